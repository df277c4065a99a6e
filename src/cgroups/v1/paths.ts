// Where a container's cgroup goes on a cgroup v1 (or hybrid) host: linux.cgroupsPath read as runc's
// cgroupfs v1 driver reads it (libcontainer/cgroups/fs/paths.go), in every hierarchy:
//
//   "/a/b"      absolute: <hierarchy mount>/a/b;
//   "a/b"       relative: under THIS process's own cgroup in that hierarchy (v1 has no "no internal
//               processes" rule, so runc nests there rather than under the parent as on v2);
//   absent/""   the container id, as a relative path.
//
// On a hybrid host the cgroup2 tree gets the same path, read the same way (runc places the
// container there too, for cgroup namespaces and the controllers that tree holds).

import { pointer, type ConfigProblem } from '../../errors';
import type { CgroupHost } from '../host';
import { cgroupSegments, nestedPath, parentOf } from '../path';

export interface V1Location {
  /** "cpu,cpuacct", "memory", "name=systemd"; "" for the cgroup2 tree of a hybrid host. */
  key: string;
  /** The container's cgroup directory on this host. */
  dir: string;
  /** The hierarchy's mount point: the directories from here down to dir are the ancestors. */
  mountPoint: string;
}

const CGROUPS_PATH = pointer('linux', 'cgroupsPath');

export function resolveV1Paths(cgroupsPath: string | undefined, id: string, host: CgroupHost): { locations: V1Location[]; problems: ConfigProblem[] } {
  const raw = cgroupsPath ?? '';
  const segments = cgroupSegments(cgroupsPath, id);
  const problems: ConfigProblem[] = [];
  const locations: V1Location[] = [];
  if (typeof segments === 'string') return { locations, problems: [{ pointer: CGROUPS_PATH, message: segments }] };
  const hierarchies = host.v1Hierarchies.map((h) => ({ key: h.controllers.join(','), mountPoint: h.mountPoint, root: h.root, own: h.own }));
  if (host.mode === 'hybrid' && host.unifiedRoot !== null) hierarchies.push({ key: '', mountPoint: host.unifiedRoot, root: '/', own: host.ownCgroup });
  for (const h of hierarchies) {
    const name = h.key === '' ? 'the cgroup2 tree' : `the ${h.key} hierarchy`;
    if (!raw.startsWith('/') && h.own === null) {
      problems.push({ pointer: CGROUPS_PATH, message: `a relative cgroupsPath is resolved under tsrunc's own cgroup, but /proc/self/cgroup has no entry for ${name}` });
      continue;
    }
    const base = raw.startsWith('/') ? '/' : h.own!;
    const resolved = nestedPath(raw, base, segments, h.own);
    if (resolved.problem) {
      problems.push({ pointer: CGROUPS_PATH, message: `${resolved.problem} (in ${name})` });
      continue;
    }
    // A mount of a sub-tree (a bind mount, a cgroup namespace) shows only what lies under its root.
    const root = h.root.replace(/\/+$/, '');
    if (root !== '' && resolved.path !== root && !resolved.path.startsWith(root + '/')) {
      problems.push({ pointer: CGROUPS_PATH, message: `${resolved.path} lies outside ${h.root}, the part of ${name} mounted at ${h.mountPoint}` });
      continue;
    }
    locations.push({ key: h.key, dir: h.mountPoint.replace(/\/+$/, '') + resolved.path.slice(root.length), mountPoint: h.mountPoint });
  }
  if (problems.length > 0) return { locations: [], problems: dedupe(problems) };
  return { locations, problems };
}

/** The cgroup2 ancestors of a cgroup2 location ("/", "/a" for /a/b), root first. */
export function unifiedParents(location: V1Location): string[] {
  const cgPath = location.dir.slice(location.mountPoint.replace(/\/+$/, '').length) || '/';
  const parents: string[] = [];
  for (let p = parentOf(cgPath); ; p = parentOf(p)) {
    parents.unshift(p);
    if (p === '/') break;
  }
  return parents;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.message) && seen.add(p.message));
}
