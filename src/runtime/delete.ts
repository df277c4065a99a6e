// delete: remove a stopped (or created, or with --force any) container. Only tsrunc's state
// directory is removed: the container's mounts lived in its own mount namespace and vanished
// with its last process, and nothing here walks the rootfs or a bind-mounted host directory.
import * as fs from 'node:fs';

import { cgroupDirs, removeCgroupAsync, signalAll } from '../cgroups/driver';
import { TsruncError } from '../errors';
import type { Logger } from '../logger';
import { waitGone } from '../process/wait';
import { ContainerDir } from '../state/store';
import { validateId } from '../state/id';
import { hookState, runHooks } from './hooks';
import { signalContainer } from './kill';
import { deriveStatus } from './status';

export async function deleteContainer(root: string, id: string, force: boolean, logger: Logger): Promise<void> {
  validateId(id);
  let dir: ContainerDir;
  try {
    dir = ContainerDir.open(root, id);
  } catch (e) {
    // Clean-up paths of clients call `delete --force` blindly: a missing container is success.
    // A directory without a state file is what a create killed half-way leaves: clear it.
    if (force && e instanceof TsruncError && e.code === 'CONTAINER_NOT_FOUND') {
      ContainerDir.removeStale(root, id);
      return;
    }
    throw e;
  }
  try {
    const stored = dir.read();
    const status = deriveStatus(dir, stored);
    if (status === 'running' && !force) {
      throw new TsruncError('INVALID_STATE', `cannot delete container ${id} that is not stopped: running`);
    }
    if (status !== 'stopped') {
      signalContainer(stored, 9);
      if (!(await waitGone(stored.pid, stored.pidStartTime))) {
        throw new TsruncError('SYSTEM', `container ${id} did not die after SIGKILL`);
      }
    }
    // The init is gone; processes it left in a cgroup of our own go too (a shared cgroup, such
    // as a pod's, is left alone). removeCgroup waits for the cgroup to empty.
    if (stored.cgroup) {
      // A delete killed while it removed the cgroups (after it signalled their processes and saw
      // them empty) left some gone: nothing is left to signal, and freezing a gone one would fail.
      const intact = cgroupDirs(stored.cgroup).every((d) => fs.existsSync(d));
      if (stored.cgroup.created && intact) signalAll(stored.cgroup, 9);
      await removeCgroupAsync(stored.cgroup); // only what tsrunc made
    }
    await runHooks(stored.config, 'poststop', hookState(stored, 'stopped'), logger, false);
    await dir.removeAsync();
  } finally {
    dir.unlock();
  }
}
