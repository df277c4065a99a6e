// linux.resources.hugepageLimits -> hugetlb.<size>.max, plus hugetlb.<size>.rsvd.max where the kernel
// has reservation accounting (5.7+), as runc's fs2/hugetlb.go writes both.
//
// An entry's limit is written even when it is 0: a listed page size with limit 0 means "none of these
// pages", unlike the scalar fields where clients send 0 for "not set".

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { readInteger } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

// The spelling of the kernel's hugetlb file names (and the schema's pattern): "2MB", "1GB", "64KB".
const PAGE_SIZE = /^[1-9][0-9]*[KMG]B$/;

/** The limit file and the reservation limit file of one page size. */
export type HugetlbFiles = (size: string) => [limit: string, reservation: string];

/** cgroup v2 names; cgroup v1 calls them hugetlb.<size>.limit_in_bytes and .rsvd.limit_in_bytes. */
export const HUGETLB_V2_FILES: HugetlbFiles = (size) => [`hugetlb.${size}.max`, `hugetlb.${size}.rsvd.max`];
export const HUGETLB_V1_FILES: HugetlbFiles = (size) => [`hugetlb.${size}.limit_in_bytes`, `hugetlb.${size}.rsvd.limit_in_bytes`];

export function compileHugetlb(resources: LinuxResources, host: CgroupHost, files: HugetlbFiles = HUGETLB_V2_FILES): ControllerResult {
  const out = new ResultBuilder();
  (resources.hugepageLimits ?? []).forEach((entry, i) => {
    const at = (field: string) => resourcePointer('hugepageLimits', i, field);
    const size = entry.pageSize;
    const limit = readInteger(entry.limit, 'uint64', at('limit'), out);
    if (typeof size !== 'string' || !PAGE_SIZE.test(size)) {
      out.problem(at('pageSize'), `"${String(size)}" is not a huge page size like "2MB" or "1GB"`);
      return;
    }
    if (host.hugePageSizes !== undefined && !host.hugePageSizes.includes(size)) {
      const sizes = host.hugePageSizes.length > 0 ? `it supports ${host.hugePageSizes.join(', ')}` : 'it has no huge pages';
      out.problem(at('pageSize'), `this host has no ${size} huge pages (${sizes})`);
      return;
    }
    if (limit === undefined) return;
    const [limitFile, reservationFile] = files(size);
    out.write(limitFile, limit.toString(), at('limit'));
    out.write(reservationFile, limit.toString(), at('limit'), 'skip');
  });
  return out.result();
}
