// Whether a container's cgroup is frozen (its status "paused"): the only question `state`, the verb
// clients call most, asks of the cgroups. A module of its own, so that `state` loads neither
// driver (src/cgroups/driver.ts and everything it reaches).
import * as path from 'node:path';

import { readOptional } from './fs-errors';
import type { CgroupRecord } from './manager';
import { v1DirOf, type V1Record } from './v1/dirs';

export const FREEZER_STATE = 'freezer.state';

export function isFrozen(record: CgroupRecord): boolean {
  if (record.v1) {
    const dir = v1DirOf(record as V1Record, 'freezer');
    return dir !== undefined && readOptional(path.join(dir, FREEZER_STATE))?.trim() === 'FROZEN';
  }
  return readOptional(path.join(record.dir, 'cgroup.freeze'))?.trim() === '1';
}
