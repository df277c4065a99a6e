// Where a v1 container's controllers live: one directory per hierarchy, keyed by the hierarchy's
// controller list ("cpu,cpuacct"), '' for the cgroup2 tree of a hybrid host.
import type { CgroupRecord } from '../record';

export type V1Record = CgroupRecord & { v1: NonNullable<CgroupRecord['v1']> };

/** The directory of the v1 hierarchy holding `controller`, if one does. */
export function v1DirOf(record: V1Record, controller: string): string | undefined {
  const key = Object.keys(record.v1.dirs).find((k) => k !== '' && k.split(',').includes(controller));
  return key === undefined ? undefined : record.v1.dirs[key];
}
