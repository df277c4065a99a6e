// The cgroups a process is in, as host directories: one per mounted hierarchy (cgroup v2, and
// every v1 hierarchy on a hybrid or v1 host). `exec` puts its process into exactly the
// cgroups of the container's init, whichever driver placed the init there.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import { detectHostCached } from './host';

interface Hierarchy {
  mountPoint: string;
  /** The cgroup the mount shows as its root (not "/" inside a cgroup namespace or a bind). */
  root: string;
  /** v1 controllers and name=... of the mount; empty for cgroup2. */
  controllers: string[];
  v2: boolean;
}

/** The visible cgroup hierarchies, from the one layout detector (host.ts: shadowed mounts excluded). */
function hierarchies(): Hierarchy[] {
  const host = detectHostCached();
  const out: Hierarchy[] = host.v1Hierarchies.map((h) => ({ mountPoint: h.mountPoint, root: h.root, controllers: h.controllers, v2: false }));
  if (host.unifiedRoot !== null) out.push({ mountPoint: host.unifiedRoot, root: host.unifiedMountRoot ?? '/', controllers: [], v2: true });
  return out;
}

/**
 * Host directories of the cgroups `pid` is in; in a hierarchy where `own` (the container's
 * manager's directories) has one, that one. `sub` (runc's exec --cgroup, "[<controller>[,...]:]<path>")
 * names an existing sub-cgroup to use instead, below the container's own cgroups (`own`, those the
 * runtime made for it; not the hierarchies it merely inherited): in all of them, or only in those
 * of the named controllers.
 */
export function cgroupDirsOf(pid: number, sub?: string, own: readonly string[] = []): string[] {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch (e) {
    throw new TsruncError('INVALID_STATE', `cannot read the cgroups of pid ${pid}: ${(e as Error).message}`);
  }
  const [subControllers, subPath] = parseSub(sub);
  const mounts = hierarchies();
  const dirs = new Set<string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second).split(',').filter(Boolean);
    const cgroup = line.slice(second + 1);
    const mount = mounts.find((m) => (id === '0' ? m.v2 : !m.v2 && controllers.every((c) => m.controllers.includes(c))));
    if (!mount) continue; // a hierarchy nobody mounted: nothing to enter
    if (!(cgroup === mount.root || cgroup.startsWith(mount.root === '/' ? '/' : mount.root + '/'))) continue;
    // The manager's directory in this hierarchy when it has one (where the container belongs,
    // even if the init moved itself below it), else where the init is.
    const inMount = (d: string) => d === mount.mountPoint || d.startsWith(mount.mountPoint.replace(/\/+$/, '') + '/');
    const nested = (d: string) => mounts.some((m) => m !== mount && m.mountPoint.length > mount.mountPoint.length && (d === m.mountPoint || d.startsWith(m.mountPoint + '/')));
    let dir = own.find((d) => inMount(d) && !nested(d)) ?? path.join(mount.mountPoint, cgroup.slice(mount.root === '/' ? 0 : mount.root.length));
    const v2Controllers = () => fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (subPath && own.includes(dir) && (!subControllers || subControllers.some((c) => (id === '0' ? v2Controllers().includes(c) : controllers.includes(c))))) {
      dir = path.join(dir, subPath);
      if (!fs.existsSync(dir)) throw new TsruncError('INVALID_ARGUMENT', `--cgroup ${sub}: cgroup ${dir} does not exist`);
    }
    dirs.add(dir);
  }
  return [...dirs];
}

function parseSub(sub: string | undefined): [string[] | null, string | null] {
  if (!sub) return [null, null];
  const colon = sub.indexOf(':');
  const controllers = colon >= 0 ? sub.slice(0, colon).split(',').filter(Boolean) : null;
  const rel = colon >= 0 ? sub.slice(colon + 1) : sub;
  // Joined to the container's cgroup as runc joins it (a leading "/" is that cgroup): a path that
  // climbs out of it ("..", "a/../..") is refused in runc's words, never clamped to somewhere else.
  const joined = path.posix.join('/container', rel);
  if (joined !== '/container' && !joined.startsWith('/container/')) {
    throw new TsruncError('INVALID_ARGUMENT', `--cgroup ${sub}: ${rel} is not a sub cgroup path`);
  }
  if (rel === '') throw new TsruncError('INVALID_ARGUMENT', `--cgroup ${sub}: a sub-cgroup path is required`);
  // "/" (or "a/..") is the container's own cgroup, as with runc.
  return joined === '/container' ? [null, null] : [controllers, joined.slice('/container/'.length)];
}
