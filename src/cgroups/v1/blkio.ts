// linux.resources.blockIO -> the cgroup v1 blkio controller's files, as runc's fs driver writes them
// (libcontainer/cgroups/fs/blkio.go): the weights go to blkio.bfq.weight[_device] where the BFQ
// scheduler provides them, else blkio.weight[_device] (CFQ); leaf weights to blkio.leaf_weight[_device];
// throttles to blkio.throttle.{read,write}_{bps,iops}_device, one "MAJ:MIN RATE" line per entry.

import type { LinuxResources } from '../../generated/config';
import { deviceNumber, readWeight } from '../io';
import { readInteger, unlessZero } from '../numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from '../types';

const THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

export function compileBlkioV1(resources: LinuxResources): ControllerResult {
  const out = new ResultBuilder();
  const blockIO = resources.blockIO;
  if (!blockIO) return out.result();
  const at = (...segments: (string | number)[]) => resourcePointer('blockIO', ...segments);

  const weight = readWeight(blockIO.weight, at('weight'), out);
  if (weight !== undefined) out.write('blkio.bfq.weight', weight.toString(), at('weight'), { file: 'blkio.weight', value: weight.toString() });
  const leaf = readWeight(blockIO.leafWeight, at('leafWeight'), out);
  if (leaf !== undefined) out.write('blkio.leaf_weight', leaf.toString(), at('leafWeight'));

  (blockIO.weightDevice ?? []).forEach((d, i) => {
    const device = deviceNumber(d, (field) => at('weightDevice', i, field), out);
    const w = readWeight(d.weight, at('weightDevice', i, 'weight'), out);
    const lw = readWeight(d.leafWeight, at('weightDevice', i, 'leafWeight'), out);
    if (device === undefined) return;
    if (w !== undefined) out.write('blkio.bfq.weight_device', `${device} ${w}`, at('weightDevice', i), { file: 'blkio.weight_device', value: `${device} ${w}` });
    if (lw !== undefined) out.write('blkio.leaf_weight_device', `${device} ${lw}`, at('weightDevice', i, 'leafWeight'));
  });

  for (const [field, file] of THROTTLES) {
    (blockIO[field] ?? []).forEach((d, i) => {
      const device = deviceNumber(d, (sub) => at(field, i, sub), out);
      const rate = unlessZero(readInteger(d.rate, 'uint64', at(field, i, 'rate'), out));
      if (device !== undefined && rate !== undefined) out.write(file, `${device} ${rate}`, at(field, i));
    });
  }
  return out.result();
}
