// A rootless caller's cgroups, runc's rules: it uses a cgroup only where one was delegated to it
// (a cgroup2 subtree it owns). Where the kernel refuses it one (EACCES, EPERM, EROFS), the container
// runs without a cgroup of its own - unless the config asks for what only a cgroup gives:
//   - limits (linux.resources other than device rules, which a rootless runc ignores too): runc's
//     "cannot set limit: container could not join or create cgroup";
//   - on a cgroup2-only host, an explicit cgroupsPath (runc's "rootless needs no limits + no
//     cgrouppath when no permission is granted for cgroups").
// One decision, kept here so that a cgroup manager can take it over whole.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import type { CgroupHost } from './host';
import type { CgroupRecord } from './record';
import type { Spec } from '../generated/config';
import { isRootless } from '../rootless';

const REFUSED = new Set(['EACCES', 'EPERM', 'EROFS']);

function refusedCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (e as NodeJS.ErrnoException).code;
  return code && REFUSED.has(code) ? code : undefined;
}

/** The config's resources beyond device rules: what only a cgroup can enforce. */
function limitsAsked(config: Spec): string[] {
  const resources = (config.linux?.resources ?? {}) as Record<string, unknown>;
  return Object.keys(resources).filter((k) => k !== 'devices' && resources[k] !== undefined && resources[k] !== null);
}

/**
 * Whether a failed cgroup set-up `e` may be skipped (the container runs without a cgroup of its
 * own); throws the error that says why not when the config needs the cgroup. False: not a
 * rootless caller's refusal, the caller rethrows `e`.
 */
export function skipRootlessCgroup(e: unknown, config: Spec, unified: boolean, rootless = isRootless()): boolean {
  const code = refusedCode(e);
  if (!rootless || !code) return false;
  const limits = limitsAsked(config);
  if (limits.length > 0) {
    throw new TsruncError('SETUP_FAILED', `config.json /linux/resources/${limits[0]}: cannot set limits: a rootless container could not join or create its cgroup (${code}; delegate a cgroup2 subtree to this user, or remove linux.resources)`, { pointer: `/linux/resources/${limits[0]}`, cause: e });
  }
  if (unified && config.linux?.cgroupsPath) {
    throw new TsruncError('SETUP_FAILED', `config.json /linux/cgroupsPath: a rootless container could not create its cgroup (${code}): without a delegated cgroup2 subtree, leave cgroupsPath unset`, { pointer: '/linux/cgroupsPath', cause: e });
  }
  return true;
}

/**
 * The cgroups a container without one of its own is in: the caller's, which its init inherits.
 * A record for what a cgroup mount shows (cgroup-mount.ts), never stored: tsrunc made none of them.
 */
export function callerCgroups(host: CgroupHost): CgroupRecord | undefined {
  const within = (mountPoint: string, root: string, own: string) =>
    path.join(mountPoint, root === '/' ? own : own.startsWith(root + '/') ? own.slice(root.length) : '/');
  const unified = host.unifiedRoot && host.ownCgroup !== null ? within(host.unifiedRoot, '/', host.ownCgroup) : undefined;
  if (host.mode === 'unified') return unified ? { dir: unified, created: false } : undefined;
  const dirs: Record<string, string> = {};
  for (const h of host.v1Hierarchies) if (h.own !== null) dirs[h.controllers.join(',')] = within(h.mountPoint, h.root, h.own);
  if (unified) dirs[''] = unified;
  const main = unified ?? Object.values(dirs)[0];
  return main ? { dir: main, created: false, v1: { dirs, made: [] } } : undefined;
}

/**
 * The cgroups among `targets` a rootless caller may move a process into, seen from its own
 * cgroups `ours`: the kernel asks for write access to the target's cgroup.procs and to that of the
 * closest common ancestor. Where it has not (a user whose shell is in a root-owned session scope,
 * exec'ing into a unit of its systemd user instance), the exec'd process stays in the caller's
 * cgroup: runc ignores that failure when rootless (its setnsProcess, rootlessCgroups).
 */
export function cgroupsRootlessMayEnter(targets: readonly string[], ours: readonly string[]): string[] {
  const writable = (dir: string) => {
    try {
      fs.accessSync(path.join(dir, 'cgroup.procs'), fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  return targets.filter((target) => {
    const common = ours.map((own) => commonAncestor(target, own)).sort((a, b) => b.length - a.length)[0];
    return writable(target) && (common === undefined || writable(common));
  });
}

/** "/a/b/c", "/a/b/d/e" -> "/a/b". */
function commonAncestor(a: string, b: string): string {
  const x = a.split('/');
  const y = b.split('/');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join('/') || '/';
}
