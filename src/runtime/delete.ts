// delete: remove a stopped (or created, or with --force any) container. Only tsrunc's state
// directory is removed: the container's mounts lived in its own mount namespace and vanished
// with its last process (or, for a container without one, under the one bind that is detached
// here: state/host-mounts.ts), and nothing here walks the rootfs or a bind-mounted host directory.
//
// `delete --force` also clears what a tsrunc killed half-way left: a "creating" record (pid 0:
// the cgroups it names are emptied and removed), a directory without a state file, a state file
// that is corrupt (removed, never trusted: its pid and cgroup paths could name anything).
import * as fs from 'node:fs';

import { letKillLand, managerFor } from '../cgroups/cgroup-manager';
import { crashPoint } from '../crash-point';
import { TsruncError } from '../errors';
import type { Logger } from '../logger';
import { signalRecorded, waitGone } from '../process/wait';
import { detachHostMounts } from '../state/host-mounts';
import type { Waits } from '../process/waits';
import type { StoredState } from '../state/store';
import { withContainer, withContainerIfAny, type Container } from './container';
import { hookState, runHooks } from './hooks';
import { hasOwnPidNs, signalContainer } from './kill';

/**
 * `waits`: how the cgroups and the state directory are removed (process/waits.ts): on this thread
 * for the CLI (starting the thread pool would cost it more than the removals, ~1 ms of CPU), on the
 * thread pool for an in-process caller, whose other containers go on meanwhile.
 */
export async function deleteContainer(root: string, id: string, force: boolean, logger: Logger, waits: Waits): Promise<void> {
  // Clean-up paths of clients call `delete --force` blindly: a missing container is success.
  if (force) await withContainerIfAny(root, id, (c) => deleteOpen(c, force, logger, waits));
  else await withContainer(root, id, {}, (c) => deleteOpen(c, force, logger, waits));
}

async function deleteOpen(c: Container, force: boolean, logger: Logger, waits: Waits): Promise<void> {
  const { dir, id } = c;
  let stored: StoredState;
  try {
    stored = c.stored;
  } catch (e) {
    if (!force || !(e instanceof TsruncError) || e.code !== 'STATE_CORRUPT') throw e;
    logger.warn(`${e.message}: removing it`);
    await waits.run(dir.removal());
    return;
  }
  const status = c.status();
  logger.debug(`delete ${id}: status ${status}, init pid ${stored.pid}`);
  if (status === 'running' && !force) {
    throw new TsruncError('INVALID_STATE', `cannot delete container ${id} that is not stopped: running`);
  }
  if (status !== 'stopped') {
    // A pid namespace of its own dies with its init: the kernel kills the namespace's other
    // processes then, and the init is gone only once they are (runc's destroy relies on it too).
    // So the init alone is killed, without freezing the whole cgroup around a signal to each
    // task; a process of the cgroup outside the namespace is caught by the sweep below.
    if (stored.pid > 0 && hasOwnPidNs(stored)) {
      signalRecorded(stored.pid, stored.pidStartTime, 9);
      if (stored.cgroup) letKillLand(stored.cgroup, 9); // a paused init dies only once thawed
    } else {
      signalContainer(stored, 9);
    }
    if (!(await waitGone(stored.pid, stored.pidStartTime))) {
      throw new TsruncError('SYSTEM', `container ${id} did not die after SIGKILL`);
    }
  }
  // Without a mount namespace of its own its mounts are in the host's: they go now, with the init.
  if (stored.hostMounts) detachHostMounts(stored.hostMounts);
  crashPoint('delete:killed');
  if (status !== 'stopped') logger.debug(`delete ${id}: init killed`);
  // The init is gone; processes it left in a cgroup of our own go too (a shared cgroup, such
  // as a pod's, is left alone). removeCgroup waits for the cgroup to empty.
  if (stored.cgroup) {
    const cgroup = managerFor(stored.cgroup);
    // A delete killed while it removed the cgroups (after it signalled their processes and saw
    // them empty) left some gone: nothing is left to signal, and freezing a gone one would fail.
    const intact = cgroup.dirs().every((d) => fs.existsSync(d));
    if (stored.cgroup.created && intact) cgroup.signalAll(9);
    // A creating record: an init may exist that the record has no pid of yet (cloned into a
    // cgroup, or not placed in all of them): whatever is in a cgroup tsrunc made for it dies.
    if (stored.pid === 0) cgroup.killMade();
    // only what tsrunc made
    await waits.run(cgroup.removal());
  }
  crashPoint('delete:cgroup');
  if (stored.cgroup) logger.debug(`delete ${id}: cgroup removed (${stored.cgroup.dir})`);
  // A creating record never had an init, so it never reached the hooks either (as a failed create).
  if (stored.pid > 0) await runHooks(stored.config, 'poststop', hookState(stored, 'stopped'), logger, false);
  crashPoint('delete:hooks');
  await waits.run(dir.removal());
  logger.debug(`delete ${id}: state removed`);
}
