// Where a container's cgroup goes: linux.cgroupsPath resolved as runc's cgroupfs driver does on
// cgroup v2 (libcontainer/cgroups/fs2/defaultpath.go):
//
//   "/a/b"      absolute: <cgroup2 root>/a/b;
//   "a/b"       relative: under the PARENT of the runtime's own cgroup (runc: "the current user scope
//               most probably has tasks in it already, making it impossible to enable controllers for
//               its sub-cgroup. A parent cgroup (with no tasks in it) is what we need");
//   absent/""   the container id, as a relative path: <parent of own cgroup>/<id>. (Not
//               <own>/tsrunc/<id>: a cgroup with processes in it cannot have domain controllers
//               enabled for children, and runc users expect runc's placement.)
//
// Two deliberate differences from runc: runc cleans ".." away lexically ("../../x" becomes "x");
// tsrunc refuses a path with ".." instead, since no sane config has one. And the systemd driver's
// syntax "slice:prefix:name" without --systemd-cgroup is refused with a clear message: the cgroupfs
// driver would silently make a directory literally named "system.slice:docker:abc".

import { pointer, type ConfigProblem } from '../errors';

export interface CgroupPlacement {
  /** The container's cgroup inside the cgroup2 hierarchy, absolute: "/user.slice/abc". */
  path: string;
  /** Its directory on this host: unifiedRoot + path. */
  dir: string;
  /** Hierarchy paths of its ancestors, root first ("/", "/user.slice"): their cgroup.subtree_control
   *  must enable every controller the container's writes use. */
  parents: string[];
}

export interface PlacementInput {
  unifiedRoot: string | null;
  ownCgroup: string | null;
}

const CGROUPS_PATH = pointer('linux', 'cgroupsPath');

/** The cgroup2 path of this process from /proc/self/cgroup text (its "0::" line), or null. */
export function parseOwnCgroup(procSelfCgroup: string): string | null {
  for (const line of procSelfCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || '/';
  }
  return null;
}

/** Resolves cgroupsPath for container `id`; on failure, placement is absent and problems say why. */
export function resolveCgroupPath(
  cgroupsPath: string | undefined,
  id: string,
  host: PlacementInput,
): { placement?: CgroupPlacement; problems: ConfigProblem[] } {
  const raw = cgroupsPath ?? '';
  if (host.unifiedRoot === null) {
    return fail('this host has no cgroup v2 hierarchy (legacy cgroup v1 only); the cgroup v2 driver cannot place the container');
  }
  const parsed = cgroupSegments(cgroupsPath, id);
  if (typeof parsed === 'string') return fail(parsed);
  let base = '/';
  if (!raw.startsWith('/')) {
    if (host.ownCgroup === null) {
      return fail('a relative cgroupsPath is resolved under tsrunc\'s own cgroup, but /proc/self/cgroup has no cgroup v2 ("0::") entry');
    }
    base = parentOf(host.ownCgroup);
  }
  const cgPath = nestedPath(raw, base, parsed, host.ownCgroup);
  if (cgPath.problem) return fail(cgPath.problem);
  const parents: string[] = [];
  for (let p = parentOf(cgPath.path); ; p = parentOf(p)) {
    parents.unshift(p);
    if (p === '/') break;
  }
  return { placement: { path: cgPath.path, dir: host.unifiedRoot.replace(/\/+$/, '') + cgPath.path, parents }, problems: [] };
}

function fail(message: string): { problems: ConfigProblem[] } {
  return { problems: [{ pointer: CGROUPS_PATH, message }] };
}

/** The path segments cgroupsPath (or, when empty, the id) names; a string says why it is refused. */
export function cgroupSegments(cgroupsPath: string | undefined, id: string): string[] | string {
  const raw = cgroupsPath ?? '';
  if (raw.includes('\0')) return 'cgroupsPath contains a NUL byte';
  if (/^[^/:]*:[^/:]*:[^/:]*$/.test(raw)) {
    return `"${raw}" is a systemd cgroup ("slice:prefix:name"), which needs the systemd cgroup driver: ` +
      'run tsrunc with --systemd-cgroup (on a systemd host), or use a path such as "/machine/' + id + '"';
  }
  const segments = (raw === '' ? id : raw).split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return `"${raw}" must not contain ".." (a cgroup path may not climb)`;
  if (raw === '' && (id === '' || id.includes('/') || id === '..')) return `container id "${id}" cannot name a cgroup`;
  return segments;
}

/**
 * base + segments inside one hierarchy, refused when it names no cgroup of its own or one that holds
 * tsrunc itself (`own`: this process's cgroup in that hierarchy).
 */
export function nestedPath(raw: string, base: string, segments: string[], own: string | null): { path: string; problem?: string } {
  if (segments.length === 0) {
    return { path: base, problem: raw.startsWith('/') ? 'cgroupsPath names the root cgroup; a container needs a cgroup of its own'
      : `cgroupsPath names ${base}, the parent of tsrunc's own cgroup; a container needs a cgroup of its own` };
  }
  const cgPath = join(base, segments);
  if (own !== null && (own === cgPath || own.startsWith(cgPath + '/'))) {
    return { path: cgPath, problem: `cgroupsPath resolves to ${cgPath}, which holds tsrunc itself; a container needs a cgroup of its own` };
  }
  return { path: cgPath };
}

export function parentOf(cgPath: string): string {
  const i = cgPath.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : cgPath.slice(0, i);
}

function join(base: string, segments: string[]): string {
  return (base === '/' ? '' : base) + '/' + segments.join('/');
}
