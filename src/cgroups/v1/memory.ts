// linux.resources.memory -> the cgroup v1 memory controller's files, as runc's fs driver writes them
// (libcontainer/cgroups/fs/memory.go):
//   limit            memory.limit_in_bytes (-1: unlimited)
//   swap             memory.memsw.limit_in_bytes: memory + swap, as the OCI field means it; -1 for a
//                    limit of -1 with swap left alone (runc: "unlimited memory means unlimited swap")
//   reservation      memory.soft_limit_in_bytes
//   swappiness       memory.swappiness (0..100); absent leaves the kernel's, 0 is written (runc)
//   disableOOMKiller memory.oom_control "1"
// kernel and kernelTCP are ignored with a warning, as runc ignores them (kernel memory accounting is
// deprecated and gone from current kernels).
//
// The kernel refuses memsw below memory, so the order of the two writes depends on the limit in
// force: orderMemoryWrites() applies runc's rule once the current limit is known.

import type { LinuxResources } from '../../generated/config';
import { readInteger, readLimit } from '../numbers';
import { ResultBuilder, resourcePointer, type CgroupWrite, type ControllerResult } from '../types';

export const LIMIT_FILE = 'memory.limit_in_bytes';
export const MEMSW_FILE = 'memory.memsw.limit_in_bytes';

export function compileMemoryV1(resources: LinuxResources): ControllerResult {
  const out = new ResultBuilder();
  const memory = resources.memory;
  if (!memory) return out.result();
  const at = (field: string) => resourcePointer('memory', field);

  const limit = readLimit(memory.limit, at('limit'), out);
  const swap = readLimit(memory.swap, at('swap'), out);
  const reservation = readLimit(memory.reservation, at('reservation'), out);
  if (limit !== undefined) out.write(LIMIT_FILE, limit.toString(), at('limit'));
  if (swap !== undefined) {
    if (swap > 0n && limit === undefined) out.problem(at('swap'), 'a swap limit (memory+swap) needs a memory limit: the kernel refuses memory+swap below the memory limit, which is unlimited');
    else if (swap > 0n && limit !== undefined && limit !== -1n && swap < limit) out.problem(at('swap'), `swap (memory+swap, ${swap}) must not be below the memory limit (${limit})`);
    else out.write(MEMSW_FILE, swap.toString(), at('swap'));
  } else if (limit === -1n) {
    // Without swap accounting (swapaccount=0) the file is missing, and runc then leaves it alone.
    out.write(MEMSW_FILE, '-1', at('limit'), 'skip');
  }
  if (reservation !== undefined) out.write('memory.soft_limit_in_bytes', reservation.toString(), at('reservation'));

  const swappiness = readInteger(memory.swappiness, 'uint64', at('swappiness'), out);
  if (swappiness !== undefined) {
    if (swappiness > 100n) out.problem(at('swappiness'), `${swappiness} is outside the swappiness range 0 to 100`);
    else out.write('memory.swappiness', swappiness.toString(), at('swappiness'));
  }
  if (memory.disableOOMKiller === true) out.write('memory.oom_control', '1', at('disableOOMKiller'));

  for (const field of ['kernel', 'kernelTCP'] as const) {
    const n = readInteger(memory[field], 'int64', at(field), out);
    if (n !== undefined && n !== 0n) out.warn(at(field), 'kernel memory limits are deprecated and ignored, as runc ignores them (kernel memory counts towards the memory limit)');
  }
  if (memory.useHierarchy === false) out.warn(at('useHierarchy'), 'memory.use_hierarchy is always 1 on current kernels; ignored, as runc does');
  return out.result();
}

/**
 * runc's setMemoryAndSwap order: when both limits are written and swap is -1 or above the current
 * memory limit, memsw goes first (raising); otherwise memory first (lowering). Pure: the current
 * limit is read by the caller.
 */
export function orderMemoryWrites(writes: readonly CgroupWrite[], currentLimit: bigint): CgroupWrite[] {
  const memory = writes.find((w) => w.file === LIMIT_FILE);
  // The implied memsw of an unlimited memory (written where swap accounting exists) counts too: it
  // must go first, or the kernel refuses memory above the memsw limit in force.
  const memsw = writes.find((w) => w.file === MEMSW_FILE);
  if (!memory || !memsw) return [...writes];
  const swap = BigInt(memsw.value);
  if (swap !== -1n && currentLimit >= swap) return [...writes];
  const rest = writes.filter((w) => w !== memory && w !== memsw);
  return [memsw, memory, ...rest];
}
