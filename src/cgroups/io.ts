// linux.resources.blockIO -> io.bfq.weight (or io.weight) and io.max, as runc's fs2 driver writes them
// (libcontainer/cgroups/fs2/io.go):
//   weight        io.bfq.weight, same 10..1000 scale as v1's blkio.weight; when the BFQ scheduler is
//                 not loaded the file is missing and runc writes io.weight instead, converted to its
//                 1..10000 scale (ConvertBlkIOToIOWeightValue);
//   weightDevice  "MAJ:MIN WEIGHT" lines of io.bfq.weight, skipped where BFQ is missing, as runc does;
//   throttle*     io.max lines "MAJ:MIN rbps=N" (wbps, riops, wiops), one write per entry like runc:
//                 io.max takes any subset of the four keys per line and leaves the others alone.

import type { LinuxBlockIODevice, LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { readInteger, unlessZero } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

const MIN_WEIGHT = 10n;
const MAX_WEIGHT = 1000n;

/** io.weight (1..10000) for a blkio/BFQ weight (10..1000): runc's linear 1 + (w - 10) * 9999 / 990. */
export function blkioWeightToIoWeight(weight: bigint): bigint {
  return 1n + ((weight - 10n) * 9999n) / 990n;
}

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

export function compileIo(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  const blockIO = resources.blockIO;
  if (!blockIO) return out.result();

  const weight = readWeight(blockIO.weight, resourcePointer('blockIO', 'weight'), out);
  if (weight !== undefined) {
    out.write('io.bfq.weight', weight.toString(), resourcePointer('blockIO', 'weight'), {
      file: 'io.weight',
      value: blkioWeightToIoWeight(weight).toString(),
    });
  }
  warnLeafWeight(blockIO.leafWeight, resourcePointer('blockIO', 'leafWeight'), out);

  (blockIO.weightDevice ?? []).forEach((d, i) => {
    const at = (field?: string) => resourcePointer('blockIO', 'weightDevice', i, ...(field ? [field] : []));
    const device = deviceNumber(d, at, out);
    const w = readWeight(d.weight, at('weight'), out);
    if (device !== undefined && w !== undefined) out.write('io.bfq.weight', `${device} ${w}`, at(), 'skip');
    warnLeafWeight(d.leafWeight, at('leafWeight'), out);
  });

  for (const [field, key] of THROTTLES) {
    (blockIO[field] ?? []).forEach((d, i) => {
      const at = (sub?: string) => resourcePointer('blockIO', field, i, ...(sub ? [sub] : []));
      const device = deviceNumber(d, at, out);
      const rate = unlessZero(readInteger(d.rate, 'uint64', at('rate'), out));
      if (device !== undefined && rate !== undefined) out.write('io.max', `${device} ${key}=${rate}`, at());
    });
  }
  return out.result();
}

/** A weight on the 10..1000 scale; 0 (or absent) is unset. */
export function readWeight(value: number | bigint | undefined, ptr: string, out: ResultBuilder): bigint | undefined {
  const w = unlessZero(readInteger(value, 'int64', ptr, out));
  if (w === undefined) return undefined;
  if (w < MIN_WEIGHT || w > MAX_WEIGHT) {
    out.problem(ptr, `${w} is outside the block I/O weight range ${MIN_WEIGHT} to ${MAX_WEIGHT}`);
    return undefined;
  }
  return w;
}

function warnLeafWeight(value: number | bigint | undefined, ptr: string, out: ResultBuilder): void {
  const w = readInteger(value, 'int64', ptr, out);
  if (w !== undefined && w !== 0n) out.warn(ptr, 'leaf weights exist only in cgroup v1; ignored, as runc does');
}

/** "MAJ:MIN" of a block device entry, or undefined (with a problem) when a number is invalid. */
export function deviceNumber(d: LinuxBlockIODevice, at: (field: string) => string, out: ResultBuilder): string | undefined {
  const major = readInteger(d.major, 'uint32', at('major'), out);
  const minor = readInteger(d.minor, 'uint32', at('minor'), out);
  return major === undefined || minor === undefined ? undefined : `${major}:${minor}`;
}
