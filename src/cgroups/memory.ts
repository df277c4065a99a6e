// linux.resources.memory -> memory.max, memory.low, memory.swap.max, as runc's fs2 driver writes them
// (libcontainer/cgroups/fs2/memory.go and ConvertMemorySwapToCgroupV2Value).
//
// The OCI fields were designed for cgroup v1, where swap is "memory + swap" combined; cgroup v2's
// memory.swap.max counts swap alone, so swap.max = swap - limit. The other v1-only knobs are accepted
// and ignored with a warning, as runc ignores them on v2.

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { limitText, readInteger, readLimit } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

export function compileMemory(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  const memory = resources.memory;
  if (!memory) return out.result();
  const at = (field: string) => resourcePointer('memory', field);

  const problemsBefore = out.problems.length;
  const limit = readLimit(memory.limit, at('limit'), out);
  const limitValid = out.problems.length === problemsBefore;
  const reservation = readLimit(memory.reservation, at('reservation'), out);
  const swap = readLimit(memory.swap, at('swap'), out);

  if (limitValid) {
    const swapMax = swapMaxValue(swap, limit);
    if (typeof swapMax === 'object') out.problem(at('swap'), swapMax.error);
    // runc tolerates a missing memory.swap.max (no swap accounting) when it would only say "no swap
    // limit" or "no swap": both are what such a kernel does anyway.
    else if (swapMax !== undefined) out.write('memory.swap.max', swapMax, at('swap'), swapMax === 'max' || swapMax === '0' ? 'skip' : undefined);
  }
  if (limit !== undefined) out.write('memory.max', limitText(limit), at('limit'));
  if (reservation !== undefined) out.write('memory.low', limitText(reservation), at('reservation'));

  const ignored = (field: 'kernel' | 'kernelTCP' | 'swappiness', why: string) => {
    const n = readInteger(memory[field], field === 'swappiness' ? 'uint64' : 'int64', at(field), out);
    if (n !== undefined && n !== 0n) out.warn(at(field), why);
  };
  ignored('kernel', 'kernel memory limits do not exist in cgroup v2 (kernel memory counts towards memory.max); ignored, as runc does');
  ignored('kernelTCP', 'kernel TCP memory limits do not exist in cgroup v2 (socket memory counts towards memory.max); ignored, as runc does');
  ignored('swappiness', 'cgroup v2 has no per-cgroup swappiness; ignored, as runc does');
  if (memory.disableOOMKiller === true) {
    out.warn(at('disableOOMKiller'), 'cgroup v2 cannot disable the OOM killer for a cgroup; ignored, as runc does');
  }
  if (memory.useHierarchy === false) {
    out.warn(at('useHierarchy'), 'cgroup v2 is always hierarchical; ignored, as runc does');
  }
  // checkBeforeUpdate only matters to `update` (memoryLimitBelowUsage); a cgroup that is being
  // created uses nothing yet, so there is nothing to check here.
  return out.result();
}

/**
 * memory.swap.max for OCI swap (memory+swap) and limit, both already validated (undefined = 0 = unset,
 * -1 = unlimited): runc's ConvertMemorySwapToCgroupV2Value, in exact integers. undefined: write nothing.
 */
export function swapMaxValue(swap: bigint | undefined, limit: bigint | undefined): string | undefined | { error: string } {
  const s = swap ?? 0n;
  const m = limit ?? 0n;
  // An unlimited memory with swap left alone means "unlimited memory and swap", as on cgroup v1.
  if (m === -1n && s === 0n) return 'max';
  if (s === 0n) return undefined;
  if (s === -1n) return 'max';
  if (m === -1n) return s.toString();
  if (m === 0n) return { error: 'a swap limit (memory+swap) needs a memory limit: cgroup v2 limits swap alone, as swap - limit' };
  if (s < m) return { error: `swap (memory+swap, ${s}) must not be below the memory limit (${m})` };
  return limitText(s - m); // swap == limit: "0", no swap at all
}

/**
 * memory.checkBeforeUpdate (runtime-spec 1.2): `update` "MUST reject" a limit below the current
 * usage. cgroup v1 refuses such a limit itself; cgroup v2 would reclaim and OOM-kill instead, so
 * the v2 driver asks this first with the cgroup's memory.current (as runc's fs2 driver does).
 * Returns the problem, or undefined when the limit may be written.
 */
export function memoryLimitBelowUsage(resources: LinuxResources, current: bigint): { pointer: string; message: string } | undefined {
  const memory = resources.memory;
  if (memory?.checkBeforeUpdate !== true || memory.limit === undefined) return undefined;
  const limit = BigInt(memory.limit);
  if (limit <= 0n || limit > current) return undefined;
  return {
    pointer: resourcePointer('memory', 'limit'),
    message: `${limit} is not above the container's current memory usage (${current} bytes, memory.current), and memory.checkBeforeUpdate is set`,
  };
}
