// linux.sysctl -> the /proc/sys files tsrunc-init writes. Only sysctls that belong to a namespace
// the container has to itself are allowed: any other would change the host (runc's rule).
import * as fs from 'node:fs';

import { pointer, type ConfigProblem } from '../errors';
import type { NamespaceJoin, NamespaceType, SysctlWrite } from './types';

/** The namespace a namespaced sysctl belongs to, or undefined for one that is global. */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  if (/^kernel\.(msg|shm)/.test(key) || key === 'kernel.sem' || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  // kernel.hostname belongs to the UTS namespace too, but /hostname is the field for it (see below).
  if (key === 'kernel.domainname') return 'uts';
  return undefined;
}

/** Why `key` cannot be a sysctl file name, or undefined when it can. */
function badKey(key: string): string | undefined {
  // "/" would let a key name any file below /proc/sys (or, with "..", above it).
  if (key.includes('/')) return 'components are separated by ".", a "/" is not allowed';
  if (key.includes('\0')) return 'contains a NUL character';
  if (key.split('.').some((c) => c === '')) return 'has an empty component';
  return undefined;
}

/**
 * Compiles linux.sysctl. `own` holds the namespace types the container does not share with the
 * runtime (see ownNamespaces). Every problem points at /linux/sysctl/<key>.
 */
export function compileSysctl(
  sysctl: Readonly<Record<string, string | undefined>> = {},
  own: ReadonlySet<NamespaceType>,
  problems: ConfigProblem[],
): SysctlWrite[] {
  const out: SysctlWrite[] = [];
  for (const [key, value] of Object.entries(sysctl)) {
    const ptr = pointer('linux', 'sysctl', key);
    const problem = sysctlProblem(key, own);
    if (problem) problems.push({ pointer: ptr, message: problem });
    else out.push({ path: '/proc/sys/' + key.replace(/\./g, '/'), value: value ?? '', pointer: ptr });
  }
  return out;
}

function sysctlProblem(key: string, own: ReadonlySet<NamespaceType>): string | undefined {
  const bad = badKey(key);
  if (bad) return `"${key}" is not a sysctl name: ${bad}`;
  if (key === 'kernel.hostname') return '"kernel.hostname" conflicts with /hostname: set the host name there';
  const ns = sysctlNamespace(key);
  if (ns === undefined) return `"${key}" is not in a separate kernel namespace: setting it would change the host`;
  if (!own.has(ns)) return `"${key}" needs the container's own ${ns} namespace (a new one, or one joined by path): setting it would change the host's`;
  return undefined;
}

/** /proc/self/ns/<name> for the namespace types a sysctl can belong to, and mount (see checkJoinedNamespaces). */
const PROC_NS_NAME: Partial<Record<NamespaceType, string>> = { network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt' };

/** True when `join` names the namespace this process is in (so, for a container, the host's). */
export function isRuntimeNamespace(join: NamespaceJoin): boolean {
  const name = PROC_NS_NAME[join.type];
  if (!name) return false;
  try {
    const theirs = fs.statSync(join.path);
    const ours = fs.statSync(`/proc/self/ns/${name}`);
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false; // the join itself reports a missing path
  }
}

/**
 * Namespace types the container has to itself: created fresh, or joined by path unless the path
 * is the runtime's own namespace (runc checks this for the network namespace; it applies to all).
 */
export function ownNamespaces(
  fresh: ReadonlySet<NamespaceType>,
  joins: readonly NamespaceJoin[],
  isShared: (join: NamespaceJoin) => boolean = isRuntimeNamespace,
): Set<NamespaceType> {
  const own = new Set(fresh);
  for (const join of joins) if (!isShared(join)) own.add(join.type);
  return own;
}
