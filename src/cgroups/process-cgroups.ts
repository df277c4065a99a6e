// The cgroups a process is in, as host directories: one per mounted hierarchy (cgroup v2, and
// every v1 hierarchy on a hybrid or v1 host). `exec` puts its process into exactly the
// cgroups of the container's init, whichever driver placed the init there.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';

interface Hierarchy {
  mountPoint: string;
  /** The cgroup the mount shows as its root (not "/" inside a cgroup namespace or a bind). */
  root: string;
  /** v1 controllers and name=... of the mount; empty for cgroup2. */
  controllers: string[];
  v2: boolean;
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function hierarchies(): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0) continue;
    const fsType = f[sep + 1];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const superOptions = (f[sep + 3] ?? '').split(',');
    out.push({ mountPoint: unescape(f[4]), root: unescape(f[3]), v2: fsType === 'cgroup2', controllers: fsType === 'cgroup' ? superOptions : [] });
  }
  return out;
}

/**
 * Host directories of the cgroups `pid` is in. `sub` (runc's exec --cgroup, "[<controller>[,...]:]<path>")
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
    let dir = path.join(mount.mountPoint, cgroup.slice(mount.root === '/' ? 0 : mount.root.length));
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
