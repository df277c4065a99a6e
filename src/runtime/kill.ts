// kill: signal the container's init, or (--all) every process of the container.
import { TsruncError } from '../errors';
import { pidsInNamespaceOf } from '../process/proc';
import { parseSignal } from '../process/signals';
import { signalRecorded } from '../process/wait';
import { ContainerDir, type StoredState } from '../state/store';
import { deriveStatus } from './status';

/**
 * Every process of the container. With its own pid namespace that is the namespace's members;
 * without one, only the init is known to belong to it (cgroup-based listing comes with cgroup
 * support).
 */
export function containerPids(stored: StoredState): number[] {
  const ownPidNs = (stored.config.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
  return ownPidNs ? pidsInNamespaceOf(stored.pid) : [stored.pid];
}

export function kill(root: string, id: string, signalName: string, all = false): void {
  const signal = parseSignal(signalName);
  const dir = ContainerDir.open(root, id);
  try {
    const stored = dir.read();
    if (deriveStatus(dir, stored) === 'stopped') throw new TsruncError('INVALID_STATE', 'container not running');
    if (all) {
      for (const pid of containerPids(stored)) {
        try {
          process.kill(pid, signal);
        } catch {
          // exited meanwhile
        }
      }
    } else if (!signalRecorded(stored.pid, stored.pidStartTime, signal)) {
      throw new TsruncError('INVALID_STATE', 'container not running');
    }
  } finally {
    dir.unlock();
  }
}
