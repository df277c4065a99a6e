// linux.resources.network -> net_cls.classid and net_prio.ifpriomap (cgroup v1 only; runc's fs
// driver, net_cls.go and net_prio.go). A classID of 0 is unset; each priority is one
// "IFNAME PRIO" write.

import type { LinuxResources } from '../../generated/config';
import { readInteger, unlessZero } from '../numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from '../types';

export function compileNetworkV1(resources: LinuxResources): ControllerResult {
  const out = new ResultBuilder();
  const network = resources.network;
  if (!network) return out.result();
  const classId = unlessZero(readInteger(network.classID, 'uint32', resourcePointer('network', 'classID'), out));
  if (classId !== undefined) out.write('net_cls.classid', classId.toString(), resourcePointer('network', 'classID'));
  (network.priorities ?? []).forEach((p, i) => {
    const at = (field: string) => resourcePointer('network', 'priorities', i, field);
    const priority = readInteger(p.priority, 'uint32', at('priority'), out);
    // The name starts a "NAME PRIO" line: whitespace in it would smuggle in another entry.
    if (typeof p.name !== 'string' || !/^[^\s/]+$/.test(p.name)) out.problem(at('name'), `"${String(p.name)}" is not a network interface name`);
    else if (priority !== undefined) out.write('net_prio.ifpriomap', `${p.name} ${priority}`, resourcePointer('network', 'priorities', i));
  });
  return out.result();
}
