// A container's status is derived, never stored (a stored status goes stale the moment the
// process exits): alive + exec FIFO present = created; alive + cgroup frozen = paused;
// alive = running; otherwise stopped.
import { addon } from '../native/addon';
import type { ContainerDir, StoredState } from '../state/store';
import { OCI_VERSION } from '../version';

export type Status = 'created' | 'running' | 'paused' | 'stopped';

/** What `state` prints: the OCI state plus runc's extra fields (rootfs, created, owner). */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** Decided by the native core (native/core/status.cc), which the native front-end runs too. */
export function deriveStatus(dir: ContainerDir, stored: StoredState): Status {
  return addon().containerStatus(stored.pid, stored.pidStartTime, dir.fifoPath, stored.cgroup && JSON.stringify(stored.cgroup));
}

export function describe(dir: ContainerDir, stored: StoredState): ContainerState {
  const status = deriveStatus(dir, stored);
  const state: ContainerState = {
    ociVersion: stored.ociVersion,
    id: stored.id,
    pid: status === 'stopped' ? 0 : stored.pid,
    status,
    bundle: stored.bundle,
    rootfs: stored.rootfs,
    created: stored.created,
    owner: stored.owner,
  };
  if (Object.keys(stored.annotations).length > 0) state.annotations = stored.annotations;
  return state;
}

/** What `list` shows for a container whose state cannot be read (see Runtime.list). */
export function unreadableState(id: string): ContainerState {
  return { ociVersion: OCI_VERSION, id, pid: 0, status: 'stopped', bundle: '', rootfs: '', created: '', owner: '' };
}
