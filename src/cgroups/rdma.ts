// linux.resources.rdma -> rdma.max lines "DEVICE hca_handle=N hca_object=M" (runc's fscommon/rdma.go).
// As for hugetlb, an explicit 0 is written: a listed device with 0 handles means "none".

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { readInteger } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

export function compileRdma(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  for (const [device, limits] of Object.entries(resources.rdma ?? {})) {
    if (limits === undefined) continue;
    const at = (field?: string) => resourcePointer('rdma', device, ...(field ? [field] : []));
    // The device name starts an rdma.max line: whitespace in it would smuggle in other keys or lines.
    if (!/^[^\s=]+$/.test(device)) {
      out.problem(at(), `"${device}" is not an RDMA device name`);
      continue;
    }
    const handles = readInteger(limits.hcaHandles, 'uint32', at('hcaHandles'), out);
    const objects = readInteger(limits.hcaObjects, 'uint32', at('hcaObjects'), out);
    if (limits.hcaHandles === undefined && limits.hcaObjects === undefined) {
      out.problem(at(), 'an RDMA limit needs hcaHandles, hcaObjects or both');
      continue;
    }
    let line = device;
    if (handles !== undefined) line += ` hca_handle=${handles}`;
    if (objects !== undefined) line += ` hca_object=${objects}`;
    if (line !== device) out.write('rdma.max', line, at());
  }
  return out.result();
}
