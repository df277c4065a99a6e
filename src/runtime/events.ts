// events: runc's event stream for a container - {"type":"stats","id":..,"data":{...}} every
// interval (once with --stats), and {"type":"oom","id":..} when the kernel OOM-kills in it.
import { TsruncError } from '../errors';
import { managerFor } from '../cgroups/cgroup-manager';
import { sleep } from '../process/wait';
import { ContainerDir, type StoredState } from '../state/store';
import { deriveStatus } from './status';

export interface ContainerEvent {
  type: 'stats' | 'oom';
  id: string;
  data?: Record<string, unknown>;
}

function load(root: string, id: string): { stored: StoredState; dir: ContainerDir } {
  const dir = ContainerDir.open(root, id);
  try {
    return { stored: dir.read(), dir };
  } finally {
    dir.unlock();
  }
}

export function statsEvent(root: string, id: string): ContainerEvent {
  const { stored } = load(root, id);
  if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to read statistics from`);
  return { type: 'stats', id, data: managerFor(stored.cgroup).stats() };
}

/** Emits events until the container stops (or `signal` aborts). */
export async function watchEvents(root: string, id: string, intervalMs: number, emit: (e: ContainerEvent) => void, signal?: AbortSignal): Promise<void> {
  const { stored, dir } = load(root, id);
  if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to watch`);
  const cgroup = stored.cgroup;
  const manager = managerFor(cgroup);
  const ooms = manager.watchOoms();
  try {
    let nextStats = 0;
    while (!signal?.aborted && deriveStatus(dir, stored) !== 'stopped') {
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
