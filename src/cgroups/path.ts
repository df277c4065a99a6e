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
// tsrunc refuses a path with ".." instead, since no sane config has one. And runc's systemd driver
// syntax "slice:prefix:name" is refused with a clear message: tsrunc has no systemd driver yet, and
// the cgroupfs driver would silently make a directory literally named "system.slice:docker:abc".

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
  const fail = (message: string) => ({ problems: [{ pointer: CGROUPS_PATH, message }] });
  const raw = cgroupsPath ?? '';
  if (host.unifiedRoot === null) {
    return fail('this host has no cgroup v2 hierarchy (legacy cgroup v1 only); tsrunc manages cgroup v2 only');
  }
  if (raw.includes('\0')) return fail('cgroupsPath contains a NUL byte');
  if (/^[^/:]*:[^/:]*:[^/:]*$/.test(raw)) {
    return fail(
      `"${raw}" is a systemd cgroup ("slice:prefix:name"), which needs the systemd cgroup driver; ` +
        'tsrunc only has the cgroupfs driver so far: use a path such as "/machine/' + id + '"',
    );
  }
  const segments = (raw === '' ? id : raw).split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return fail(`"${raw}" must not contain ".." (a cgroup path may not climb)`);
  if (raw === '' && (id === '' || id.includes('/') || id === '..')) return fail(`container id "${id}" cannot name a cgroup`);

  let base = '/';
  if (!raw.startsWith('/')) {
    if (host.ownCgroup === null) {
      return fail('a relative cgroupsPath is resolved under tsrunc\'s own cgroup, but /proc/self/cgroup has no cgroup v2 ("0::") entry');
    }
    base = parentOf(host.ownCgroup);
  }
  if (segments.length === 0) {
    return fail(raw.startsWith('/') ? 'cgroupsPath names the root cgroup; a container needs a cgroup of its own'
      : `cgroupsPath names ${base}, the parent of tsrunc's own cgroup; a container needs a cgroup of its own`);
  }
  const cgPath = join(base, segments);
  if (host.ownCgroup !== null && (host.ownCgroup === cgPath || host.ownCgroup.startsWith(cgPath + '/'))) {
    return fail(`cgroupsPath resolves to ${cgPath}, which holds tsrunc itself; a container needs a cgroup of its own`);
  }

  const parents: string[] = [];
  for (let p = parentOf(cgPath); ; p = parentOf(p)) {
    parents.unshift(p);
    if (p === '/') break;
  }
  return { placement: { path: cgPath, dir: host.unifiedRoot.replace(/\/+$/, '') + cgPath, parents }, problems: [] };
}

function parentOf(cgPath: string): string {
  const i = cgPath.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : cgPath.slice(0, i);
}

function join(base: string, segments: string[]): string {
  return (base === '/' ? '' : base) + '/' + segments.join('/');
}
