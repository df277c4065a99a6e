// events: runc's event stream for a container - {"type":"stats","id":..,"data":{...}} every
// interval (once with --stats), and {"type":"oom","id":..} when the kernel OOM-kills in it.
import { TsruncError } from '../errors';
import { managerFor } from '../cgroups/cgroup-manager';
import { sleep } from '../process/wait';
import { withContainer, type Container } from './container';

export interface ContainerEvent {
  type: 'stats' | 'oom';
  id: string;
  data?: Record<string, unknown>;
}

/** The container as it is now; the lock is not held while events stream (runc's events takes none either). */
function load(root: string, id: string): Container {
  return withContainer(root, id, {}, (c) => {
    void c.stored; // read under the lock
    return c;
  });
}

export function statsEvent(root: string, id: string): ContainerEvent {
  const { stored } = load(root, id);
  if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to read statistics from`);
  return { type: 'stats', id, data: managerFor(stored.cgroup).stats() };
}

/** Emits events until the container stops (or `signal` aborts). */
export async function watchEvents(root: string, id: string, intervalMs: number, emit: (e: ContainerEvent) => void, signal?: AbortSignal): Promise<void> {
  const container = load(root, id);
  const stored = container.stored;
  if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to watch`);
  const cgroup = stored.cgroup;
  const manager = managerFor(cgroup);
  const ooms = manager.watchOoms();
  try {
    let nextStats = 0;
    while (!signal?.aborted && container.status() !== 'stopped') {
      if (ooms.take() > 0) emit({ type: 'oom', id });
      if (Date.now() >= nextStats) {
        emit({ type: 'stats', id, data: manager.stats() });
        nextStats = Date.now() + intervalMs;
      }
      await sleep(Math.min(intervalMs, 100));
    }
    // An OOM kill of the init ends the loop: report it before leaving.
    if (ooms.take() > 0) emit({ type: 'oom', id });
  } finally {
    ooms.close();
  }
}
