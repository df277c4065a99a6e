// linux.memoryPolicy (runtime-spec 1.3) -> set_mempolicy(2)'s mode and nodemask, which the
// container process sets on itself before its exec (native/init/sched.cc).
import * as fs from 'node:fs';

import { formatIdList, parseIdList } from '../cgroups/cpu-list';
import { pointer, type ConfigProblem } from '../errors';
import type { LinuxMemoryPolicy } from '../generated/config';
import type { MemoryPolicyPlan } from './types';

/** MPOL_* modes (linux/mempolicy.h), and whether each takes nodes: never, always or either way. */
export const MEMORY_POLICY_MODES: Readonly<Record<string, { value: number; nodes: 'none' | 'some' | 'any' }>> = {
  MPOL_DEFAULT: { value: 0, nodes: 'none' },
  MPOL_PREFERRED: { value: 1, nodes: 'any' }, // no nodes: "local allocation"
  MPOL_BIND: { value: 2, nodes: 'some' },
  MPOL_INTERLEAVE: { value: 3, nodes: 'some' },
  MPOL_LOCAL: { value: 4, nodes: 'none' },
  MPOL_PREFERRED_MANY: { value: 5, nodes: 'some' },
  MPOL_WEIGHTED_INTERLEAVE: { value: 6, nodes: 'some' },
};

/** MPOL_F_* mode flags (linux/mempolicy.h). */
export const MEMORY_POLICY_FLAGS: Readonly<Record<string, number>> = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
};

const ONLINE_NODES = '/sys/devices/system/node/online';

/** The memory nodes this host has online (a host without NUMA support has node 0 only). */
function onlineNodes(): number[] {
  try {
    const list = parseIdList(fs.readFileSync(ONLINE_NODES, 'utf8'));
    return typeof list === 'string' ? [0] : list;
  } catch {
    return [0];
  }
}

export function compileMemoryPolicy(spec: LinuxMemoryPolicy | undefined, problems: ConfigProblem[], online: () => number[] = onlineNodes): MemoryPolicyPlan | null {
  if (spec === undefined) return null;
  const at = (...f: string[]) => pointer('linux', 'memoryPolicy', ...f);
  const name = spec.mode ?? '';
  const mode = Object.hasOwn(MEMORY_POLICY_MODES, name) ? MEMORY_POLICY_MODES[name]! : undefined;
  if (!mode) {
    problems.push({ pointer: at('mode'), message: `${spec.mode === undefined ? 'a memory policy needs a mode' : `unknown memory policy mode "${name}"`} (one of ${Object.keys(MEMORY_POLICY_MODES).join(', ')})` });
    return null;
  }
  let flags = 0;
  for (const [i, name] of (spec.flags ?? []).entries()) {
    const bit = Object.hasOwn(MEMORY_POLICY_FLAGS, name) ? MEMORY_POLICY_FLAGS[name] : undefined;
    if (bit === undefined) problems.push({ pointer: at('flags', String(i)), message: `unknown memory policy flag "${name}"` });
    else flags |= bit;
  }
  const nodes = parseIdList(spec.nodes ?? '');
  if (typeof nodes === 'string') {
    problems.push({ pointer: at('nodes'), message: nodes });
    return null;
  }
  if (mode.nodes === 'none' && nodes.length > 0) {
    problems.push({ pointer: at('nodes'), message: `${spec.mode} takes no nodes (set_mempolicy(2)); leave nodes out` });
    return null;
  }
  if (mode.nodes === 'some' && nodes.length === 0) {
    problems.push({ pointer: at('nodes'), message: `${spec.mode} needs at least one memory node` });
    return null;
  }
  if (mode.nodes === 'none' && flags !== 0) {
    problems.push({ pointer: at('flags'), message: `${spec.mode} takes no flags (set_mempolicy(2))` });
    return null;
  }
  if ((flags & MEMORY_POLICY_FLAGS.MPOL_F_STATIC_NODES!) && (flags & MEMORY_POLICY_FLAGS.MPOL_F_RELATIVE_NODES!)) {
    problems.push({ pointer: at('flags'), message: 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other' });
    return null;
  }
  // Relative nodes are positions within the allowed set, not node numbers; otherwise a nodemask
  // with no online node is refused by the kernel with a bare EINVAL: say which nodes exist.
  if (nodes.length > 0 && !(flags & MEMORY_POLICY_FLAGS.MPOL_F_RELATIVE_NODES!)) {
    const here = online();
    if (!nodes.some((n) => here.includes(n))) {
      problems.push({ pointer: at('nodes'), message: `no node of "${spec.nodes}" is online on this host (online: ${formatIdList(here)})` });
      return null;
    }
  }
  return { mode: mode.value | flags, nodes };
}
