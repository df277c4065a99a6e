// Whether a container's cgroup is frozen (its status "paused"): the only question `state` and
// `kill`, the verbs clients call most, ask of the cgroups. A module of its own, so that they load
// neither driver (src/cgroups/cgroup-manager.ts and everything it reaches).
import { addon } from '../native/addon';
import type { CgroupRecord } from './record';

export const FREEZER_STATE = 'freezer.state';

/** Decided by the native core (native/core/cgroups.cc), which the native front-end runs too. */
export function isFrozen(record: CgroupRecord): boolean {
  return addon().cgroupFrozen(JSON.stringify(record));
}

/**
 * True when a SIGKILL to a process of this (paused) cgroup cannot land until it is thawed: a task
 * frozen by the v1 freezer dies only once thawed (runc thaws it); v2's freezer lets fatal signals
 * through.
 */
export function killWaitsForThaw(record: CgroupRecord, signal: number): boolean {
  return record.v1 !== undefined && signal === 9 && isFrozen(record);
}
