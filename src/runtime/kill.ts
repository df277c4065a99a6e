// kill: signal the container's init, or (--all) every process of the container.
import { crashPoint } from '../crash-point';
import { killWaitsForThaw } from '../cgroups/frozen';
import { TsruncError } from '../errors';
import { pidsInNamespaceOf } from '../process/proc';
import { parseSignal } from '../process/signals';
import { signalRecorded } from '../process/wait';
import type { StoredState } from '../state/store';
import { withContainer } from './container';
import { silentLogger, type Logger } from '../logger';

// The cgroup drivers load only where a cgroup is signalled as a whole or thawed: a kill of the
// init, what clients send, evaluates none of them (most of the kill bundle's code).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const driver = (): typeof import('../cgroups/cgroup-manager') => require('../cgroups/cgroup-manager');

/**
 * Every process of the container: its cgroup's members when the cgroup is its own. A cgroup it
 * joined (a pod's) holds others' processes too; then, as without a cgroup, the members of its
 * own pid namespace, or else only the init.
 */
export function containerPids(stored: StoredState): number[] {
  if (stored.cgroup?.created) return driver().managerFor(stored.cgroup).pids();
  return hasOwnPidNs(stored) ? pidsInNamespaceOf(stored.pid) : [stored.pid];
}

/** The container's init is pid 1 of a pid namespace of its own (not one it joined). */
export function hasOwnPidNs(stored: StoredState): boolean {
  return (stored.config.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
}

/** Signals every process of the container (cgroup.kill for SIGKILL where there is one). */
export function signalContainer(stored: StoredState, signal: number): void {
  if (stored.cgroup?.created) return driver().managerFor(stored.cgroup).signalAll(signal);
  for (const pid of containerPids(stored)) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
  if (stored.cgroup) driver().letKillLand(stored.cgroup, signal);
}

export function kill(root: string, id: string, signalName: string, all = false, logger: Logger = silentLogger): void {
  const signal = parseSignal(signalName);
  logger.debug(`kill ${id}: signal ${signal} to ${all ? 'every process of the container' : 'its init'}`);
  withContainer(root, id, { reader: true }, (c) => {
    const stored = c.stored;
    if (c.status() === 'stopped') throw new TsruncError('INVALID_STATE', 'container not running');
    crashPoint('kill:locked');
    if (all) {
      // Signal 0 ("is it alive?") delivers nothing, and the status just read answered it: no
      // freeze and thaw of a v1 cgroup for it.
      if (signal !== 0) signalContainer(stored, signal);
    } else if (!signalRecorded(stored.pid, stored.pidStartTime, signal)) {
      throw new TsruncError('INVALID_STATE', 'container not running');
    } else if (stored.cgroup && killWaitsForThaw(stored.cgroup, signal)) {
      driver().managerFor(stored.cgroup).setFrozen(false);
    }
  });
}
