// linux.namespaces -> the clone flags of namespaces to create and the list of ones to join.
import { pointer, type ConfigProblem } from '../errors';
import { CLONE_NEW } from './linux';
import type { NamespaceJoin, NamespaceType } from './types';

export interface NamespaceSpec {
  type: string;
  path?: string;
}

export interface CompiledNamespaces {
  cloneFlags: number;
  joins: NamespaceJoin[];
  /** Types the container gets fresh (not joined, not shared with the host). */
  fresh: Set<NamespaceType>;
  /** linux.namespaces names no mount namespace: the container shares the runtime's. */
  hostMountNamespace: boolean;
}

/**
 * runc's rule (libcontainer/configs/validate): masking and read-only paths are mounts over the
 * container's view, which without a mount namespace of its own would be the host's.
 */
export function checkHostMountNamespace(maskedPaths: readonly string[] | undefined, readonlyPaths: readonly string[] | undefined, problems: ConfigProblem[]): void {
  for (const [field, list] of [['maskedPaths', maskedPaths], ['readonlyPaths', readonlyPaths]] as const) {
    if (list && list.length > 0)
      problems.push({ pointer: pointer('linux', field), message: 'cannot be applied without a mount namespace of the container\'s own (add {"type":"mount"} to linux.namespaces)' });
  }
}

export function compileNamespaces(namespaces: readonly NamespaceSpec[] = [], problems: ConfigProblem[]): CompiledNamespaces {
  let cloneFlags = 0;
  const joins: NamespaceJoin[] = [];
  const fresh = new Set<NamespaceType>();
  namespaces.forEach((ns, i) => {
    const type = ns.type as NamespaceType;
    const flag = CLONE_NEW[type];
    const ptr = pointer('linux', 'namespaces', i);
    if (flag === undefined) {
      problems.push({ pointer: ptr + '/type', message: `unknown namespace type "${ns.type}"` });
      return;
    }
    if (ns.path) {
      joins.push({ type, flag, path: ns.path, pointer: ptr + '/path' });
    } else {
      cloneFlags |= flag;
      fresh.add(type);
    }
  });
  // No mount namespace at all: the container lives in the runtime's, as runc allows (see
  // native/init/rootfs.cc: its mounts go under a private bind of the rootfs, entered by chroot).
  const hostMountNamespace = !fresh.has('mount') && !joins.some((j) => j.type === 'mount');
  return { cloneFlags, joins, fresh, hostMountNamespace };
}

/**
 * A namespace joined by path that is the runtime's own (so the host's) where the container would
 * change it: its mount namespace gets the container's mounts and pivot_root, its UTS namespace the
 * hostname and domainname. `own` is ownNamespaces() of the compiled namespaces.
 */
export function checkJoinedNamespaces(
  joins: readonly NamespaceJoin[],
  own: ReadonlySet<NamespaceType>,
  setsHostname: boolean,
  problems: ConfigProblem[],
): void {
  for (const join of joins) {
    if (own.has(join.type)) continue;
    if (join.type === 'mount') {
      problems.push({ pointer: join.pointer, message: `${join.path} is the runtime's own mount namespace: the container's mounts and pivot_root would rearrange the host's` });
    } else if (join.type === 'uts' && setsHostname) {
      problems.push({ pointer: join.pointer, message: `${join.path} is the runtime's own UTS namespace: setting hostname or domainname there would rename the host` });
    }
  }
}
