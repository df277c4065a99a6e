// Whether a container's cgroup is frozen (its status "paused"): the only question `state` and
// `kill`, the verbs clients call most, ask of the cgroups. A module of its own, so that they load
// neither driver (src/cgroups/cgroup-manager.ts and everything it reaches).
import * as path from 'node:path';

import { readOptional } from './cgroupfs';
import type { CgroupRecord } from './record';
import { v1DirOf, type V1Record } from './v1/dirs';

export const FREEZER_STATE = 'freezer.state';

export function isFrozen(record: CgroupRecord): boolean {
  if (record.v1) {
    const dir = v1DirOf(record as V1Record, 'freezer');
    return dir !== undefined && readOptional(path.join(dir, FREEZER_STATE))?.trim() === 'FROZEN';
  }
  return readOptional(path.join(record.dir, 'cgroup.freeze'))?.trim() === '1';
}

/**
 * True when a SIGKILL to a process of this (paused) cgroup cannot land until it is thawed: a task
 * frozen by the v1 freezer dies only once thawed (runc thaws it); v2's freezer lets fatal signals
 * through.
 */
export function killWaitsForThaw(record: CgroupRecord, signal: number): boolean {
  return record.v1 !== undefined && signal === 9 && isFrozen(record);
}
