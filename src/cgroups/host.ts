// Which cgroup hierarchy this host has, read-only.
//
//   unified: cgroup2 mounted at /sys/fs/cgroup, every controller lives there (modern distributions);
//   hybrid:  cgroup v1 controller hierarchies under /sys/fs/cgroup/<controller>, and a cgroup2 tree at
//            /sys/fs/cgroup/unified that holds only the controllers v1 did not take (often none);
//   legacy:  cgroup v1 only.
//
// The mode chooses the driver (plan.ts): unified -> the cgroup v2 driver; hybrid and legacy -> the
// cgroup v1 driver (v1/), which on a hybrid host also places the container in the cgroup2 tree.
// Everything is derived from text (mountinfo, cgroup.controllers, ...) so tests can feed any host.

import * as fs from 'fs';
import * as path from 'path';
import { systemError } from '../errors';
import { parseIdList } from './cpu-list';
import { parseOwnCgroup } from './path';

export type CgroupMode = 'unified' | 'hybrid' | 'legacy';

export interface CgroupHost {
  mode: CgroupMode;
  /** Mount point of the cgroup2 hierarchy: /sys/fs/cgroup, /sys/fs/cgroup/unified; null when legacy. */
  unifiedRoot: string | null;
  /** The cgroup the cgroup2 mount shows as its root ("/" unless in a cgroup namespace or a bind). */
  unifiedMountRoot?: string;
  /** Controllers the cgroup2 root offers (its cgroup.controllers). */
  controllers: string[];
  /** Controllers bound to cgroup v1 hierarchies (hybrid and legacy hosts), for error messages. */
  v1Controllers: string[];
  /** This process's cgroup in the cgroup2 hierarchy ("0::" line of /proc/self/cgroup); null if none. */
  ownCgroup: string | null;
  /** CPUs a container may be given (the root's cpuset.cpus.effective, else the online CPUs). */
  cpus?: number[];
  /** Memory nodes a container may be given; unknown (no check) on kernels without NUMA. */
  mems?: number[];
  /** Huge page sizes the kernel supports, in the hugetlb controller's spelling ("2MB", "1GB"). */
  hugePageSizes?: string[];
  /** The cgroup v1 hierarchies (hybrid and legacy hosts), with this process's cgroup in each. */
  v1Hierarchies: V1Hierarchy[];
}

/** One mounted cgroup v1 hierarchy: "cpu,cpuacct" at /sys/fs/cgroup/cpu,cpuacct, "name=systemd", ... */
export interface V1Hierarchy {
  /** Its controllers ("cpu", "cpuacct"), or its name for a named hierarchy ("name=systemd"). */
  controllers: string[];
  mountPoint: string;
  /** The root of the mount within the hierarchy ("/" unless bind-mounted or in a cgroup namespace). */
  root: string;
  /** This process's cgroup in it (its /proc/self/cgroup line); null if not listed. */
  own: string | null;
}

/** The read-only file access detectHost needs; injectable for tests. */
export interface HostFs {
  readFile(file: string): string;
  readdir(dir: string): string[];
}

const nodeFs: HostFs = {
  readFile: (file) => fs.readFileSync(file, 'utf8'),
  readdir: (dir) => fs.readdirSync(dir),
};

export interface MountEntry {
  mountPoint: string;
  /** The root of the mount within its filesystem (not "/" for a bind mount or inside a cgroup namespace). */
  root: string;
  fsType: string;
  superOptions: string[];
}

/**
 * Parses /proc/<pid>/mountinfo (proc(5)) into the mounts that are visible: a mount is hidden by a
 * later one at its own mount point or at a directory above it (cgroup2 mounted over
 * /sys/fs/cgroup hides /sys/fs/cgroup/unified and every v1 hierarchy beneath), unless that later
 * mount is one of its own ancestors (mount ids: the kernel lists a mount after its parent).
 * Reading a hidden mount's path would reach whatever now covers it, so none is returned.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const all: (MountEntry & { id: string; parent: string })[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    all.push({
      id: fields[0]!,
      parent: fields[1]!,
      mountPoint: unescapeMountField(fields[4]!),
      root: unescapeMountField(fields[3]!),
      fsType: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  const byId = new Map(all.map((m) => [m.id, m]));
  const isAncestor = (a: { id: string }, m: { parent: string }) => {
    for (let p = byId.get(m.parent), hops = 0; p && hops < all.length; p = byId.get(p.parent), hops++) if (p.id === a.id) return true;
    return false;
  };
  const covers = (over: string, under: string) => over === under || over === '/' || under.startsWith(over + '/');
  const visible = all.filter((m, i) => !all.some((later, j) => j > i && covers(later.mountPoint, m.mountPoint) && !isAncestor(later, m)));
  return visible.map(({ mountPoint, root, fsType, superOptions }) => ({ mountPoint, root, fsType, superOptions }));
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

// Super options of a v1 cgroup mount that are not controller names.
const V1_NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'none', 'noprefix', 'xattr', 'clone_children', 'cpuset_v2_mode', 'favordynmods']);

/**
 * The mode, the cgroup2 mount point and the v1 controllers, from a mount table. cgroupRoot is where
 * cgroups are expected (/sys/fs/cgroup): cgroup2 there means unified, whatever else is mounted.
 */
export function classifyMounts(
  mounts: readonly MountEntry[],
  cgroupRoot = '/sys/fs/cgroup',
): Pick<CgroupHost, 'mode' | 'unifiedRoot' | 'v1Controllers'> & { v1Mounts: Omit<V1Hierarchy, 'own'>[] } {
  const v2 = mounts.filter((m) => m.fsType === 'cgroup2').map((m) => m.mountPoint);
  const v1 = mounts.filter((m) => m.fsType === 'cgroup');
  const v1Controllers = [
    ...new Set(v1.flatMap((m) => m.superOptions.filter((o) => !o.includes('=') && !V1_NON_CONTROLLER_OPTIONS.has(o)))),
  ].sort();
  // A hierarchy mounted twice (a bind mount elsewhere) is used at its first mount point.
  const v1Mounts: Omit<V1Hierarchy, 'own'>[] = [];
  for (const m of v1) {
    const controllers = m.superOptions.filter((o) => o.startsWith('name=') || (!o.includes('=') && !V1_NON_CONTROLLER_OPTIONS.has(o)));
    if (controllers.length === 0 || v1Mounts.some((h) => h.controllers.join() === controllers.join())) continue;
    v1Mounts.push({ controllers, mountPoint: m.mountPoint, root: m.root });
  }
  const under = (p: string) => p.startsWith(cgroupRoot + '/');
  const unifiedRoot =
    v2.find((p) => p === cgroupRoot) ??
    v2.find((p) => p === path.join(cgroupRoot, 'unified')) ??
    v2.find(under) ??
    v2[0] ??
    null;
  const mode: CgroupMode =
    unifiedRoot === null ? 'legacy' : unifiedRoot === cgroupRoot || v1.length === 0 ? 'unified' : 'hybrid';
  return { mode, unifiedRoot, v1Controllers, v1Mounts };
}

/** "N:cpu,cpuacct:/path" lines of /proc/self/cgroup -> {"cpu,cpuacct": "/path"} (v1 lines only). */
export function parseOwnV1Cgroups(procSelfCgroup: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^\d+:([^:]+):(.*)$/.exec(line.trim());
    if (m) own.set(m[1]!.split(',').sort().join(','), m[2]! || '/');
  }
  return own;
}

export interface DetectOptions {
  /** Where cgroups are mounted; default /sys/fs/cgroup. */
  cgroupRoot?: string;
}

/** Reads the host's cgroup setup (read-only: mountinfo, cgroup.controllers, /sys CPU/node/hugepage lists). */
export function detectHost(fsImpl: HostFs = nodeFs, options: DetectOptions = {}): CgroupHost {
  const read = (file: string): string | undefined => {
    try {
      return fsImpl.readFile(file);
    } catch {
      return undefined;
    }
  };
  // Without the mount table nothing below means anything ("this host mounts no cgroup" would be a
  // lie): an unreadable one is reported as such.
  let mountinfo: string;
  try {
    mountinfo = fsImpl.readFile('/proc/self/mountinfo');
  } catch (e) {
    throw systemError('cannot read /proc/self/mountinfo (where the cgroup hierarchies are found)', e);
  }
  const mounts = parseMountinfo(mountinfo);
  const { mode, unifiedRoot, v1Controllers, v1Mounts } = classifyMounts(mounts, options.cgroupRoot);
  const procSelfCgroup = read('/proc/self/cgroup') ?? '';
  const ownV1 = parseOwnV1Cgroups(procSelfCgroup);
  const inRoot = (file: string) => (unifiedRoot === null ? undefined : read(path.join(unifiedRoot, file)));
  const ids = (text: string | undefined) => {
    const parsed = text === undefined ? undefined : parseIdList(text);
    return Array.isArray(parsed) ? parsed : undefined;
  };
  return {
    mode,
    unifiedRoot,
    unifiedMountRoot: mounts.find((m) => m.fsType === 'cgroup2' && m.mountPoint === unifiedRoot)?.root,
    controllers: (inRoot('cgroup.controllers') ?? '').split(/\s+/).filter(Boolean),
    v1Controllers,
    ownCgroup: parseOwnCgroup(procSelfCgroup),
    cpus: ids(inRoot('cpuset.cpus.effective') ?? read('/sys/devices/system/cpu/online')),
    mems: ids(inRoot('cpuset.mems.effective') ?? read('/sys/devices/system/node/online')),
    hugePageSizes: hugePageSizes(fsImpl),
    v1Hierarchies: v1Mounts.map((h) => ({ ...h, own: ownV1.get([...h.controllers].sort().join(',')) ?? null })),
  };
}

// detectHost for create, which an in-process caller runs many times: the result is reused while
// this process's mount table and cgroups read the same (they are what a change would show in),
// for at most HOST_CACHE_MS, so that CPUs or huge page sizes that come and go are seen soon.
const HOST_CACHE_MS = 2000;
let cachedHost: { mountinfo?: string; cgroup?: string; at: number; host: CgroupHost } | undefined;

export function detectHostCached(): CgroupHost {
  const read = (file: string): string | undefined => {
    try {
      return nodeFs.readFile(file);
    } catch {
      return undefined;
    }
  };
  const mountinfo = read('/proc/self/mountinfo');
  const cgroup = read('/proc/self/cgroup');
  const now = Date.now();
  const c = cachedHost;
  if (c && c.mountinfo === mountinfo && c.cgroup === cgroup && now - c.at < HOST_CACHE_MS) return c.host;
  const fixed = new Map([['/proc/self/mountinfo', mountinfo], ['/proc/self/cgroup', cgroup]]);
  const host = detectHost({
    readFile: (file) => {
      if (!fixed.has(file)) return nodeFs.readFile(file);
      const text = fixed.get(file);
      if (text === undefined) throw new Error(`cannot read ${file}`);
      return text;
    },
    readdir: nodeFs.readdir,
  });
  cachedHost = { mountinfo, cgroup, at: now, host };
  return host;
}

/** /sys/kernel/mm/hugepages/hugepages-2048kB -> "2MB", named as the hugetlb controller names its files. */
function hugePageSizes(fsImpl: HostFs): string[] | undefined {
  let names: string[];
  try {
    names = fsImpl.readdir('/sys/kernel/mm/hugepages');
  } catch {
    return undefined;
  }
  const sizes: string[] = [];
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (m) sizes.push(hugePageSizeName(Number(m[1])));
  }
  return sizes;
}

/** The kernel's mem_fmt() for hugetlb file names: whole GB, else whole MB, else KB. */
export function hugePageSizeName(kib: number): string {
  if (kib >= 1 << 20) return `${Math.floor(kib / (1 << 20))}GB`;
  if (kib >= 1 << 10) return `${Math.floor(kib / (1 << 10))}MB`;
  return `${kib}KB`;
}
