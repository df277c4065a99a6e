// linux.resources.pids.limit -> pids.max (runc's fs2/pids.go): -1 is "max"; 0 leaves pids.max alone,
// which in a new cgroup is "max" too, without requiring the pids controller for a client's zero.

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { limitText, readLimit } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

export function compilePids(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  if (!resources.pids) return out.result();
  const ptr = resourcePointer('pids', 'limit');
  const limit = readLimit(resources.pids.limit, ptr, out);
  if (limit !== undefined) out.write('pids.max', limitText(limit), ptr);
  return out.result();
}
