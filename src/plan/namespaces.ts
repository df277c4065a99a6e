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
  // tsrunc builds the container's filesystem view with mounts and pivot_root: without a mount
  // namespace of its own that would rearrange the host's.
  if (!fresh.has('mount')) {
    problems.push({
      pointer: '/linux/namespaces',
      message: 'a new mount namespace is required (add {"type":"mount"} without a path)',
    });
  }
  return { cloneFlags, joins, fresh };
}
