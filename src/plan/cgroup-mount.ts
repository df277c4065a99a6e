// A mount of type "cgroup" (or "cgroup2") in config.json: what the container sees at its destination.
//
// The container sees only its own cgroups, in every layout, as runc shows them on v1:
//   - with a cgroup namespace of its own (new or joined), fresh cgroup filesystems: their root is
//     the namespace's, the container's own cgroup;
//   - without one, bind mounts of the container's own cgroup directories. A fresh cgroup filesystem
//     there would show the host's whole tree (with `ro` dropped: the host root's cgroup.procs).
// On a v1/hybrid host the destination gets runc's layout: a tmpfs holding one directory per
// hierarchy, named as the host names it (cpu,cpuacct, memory, systemd, and unified for the cgroup2
// tree of a hybrid host), links for co-mounted controllers (cpu -> cpu,cpuacct), and read-only
// when the mount asks for `ro`. On a unified host, the one cgroup2 tree at the destination.
// (runc mounts a fresh cgroup2 on a unified host without a cgroup namespace, showing the whole tree;
// tsrunc binds the container's own cgroup there too.)
import type { CgroupHost } from '../cgroups/host';
import type { CgroupRecord } from '../cgroups/record';
import { CLONE_NEW, MS } from './linux';
import type { MountOp, Plan } from './types';

/** The container has a cgroup namespace of its own: a new one, or one joined by path. */
export const hasCgroupNamespace = (plan: Pick<Plan, 'cloneFlags' | 'joins'>): boolean =>
  (plan.cloneFlags & CLONE_NEW.cgroup) !== 0 || plan.joins.some((j) => j.flag === CLONE_NEW.cgroup);

/** What a cgroup mount needs to know of the host and of the container's cgroups. */
export interface CgroupMountView {
  /** cgroup2 at /sys/fs/cgroup (one tree), or v1 hierarchies (legacy, hybrid). */
  unified: boolean;
  /** The config lists a cgroup namespace (new, or joined by path). */
  namespace: boolean;
  /** The hierarchies the container is in: name at the destination, fresh-mount type and data, its own cgroup directory. */
  hierarchies: { name: string; fstype: 'cgroup' | 'cgroup2'; data: string; dir: string }[];
}

/** runc's flags of the tmpfs and of fresh v1 mounts. */
const DEFAULT_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC;

/** The view, from the host's layout (detectHost) and the container's cgroup record. */
export function cgroupMountView(host: CgroupHost, record: CgroupRecord | undefined, namespace: boolean): CgroupMountView {
  const base = (p: string) => p.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!record?.v1) {
    return { unified: true, namespace, hierarchies: record ? [{ name: '', fstype: 'cgroup2', data: '', dir: record.dir }] : [] };
  }
  const hierarchies: CgroupMountView['hierarchies'] = [];
  for (const h of host.v1Hierarchies) {
    const dir = record.v1.dirs[h.controllers.join(',')];
    if (dir !== undefined) hierarchies.push({ name: base(h.mountPoint), fstype: 'cgroup', data: h.controllers.join(','), dir });
  }
  const unifiedDir = record.v1.dirs[''];
  if (unifiedDir !== undefined && host.unifiedRoot) hierarchies.push({ name: base(host.unifiedRoot), fstype: 'cgroup2', data: '', dir: unifiedDir });
  return { unified: false, namespace, hierarchies };
}

const bindRemount = (flags: number): number => {
  const own = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
  return own === 0 ? 0 : MS.REMOUNT | MS.BIND | own;
};

function op(base: MountOp, fields: Partial<MountOp>): MountOp {
  return { ...base, source: '', fstype: '', flags: 0, data: '', remountFlags: 0, lateRemountFlags: 0, propagation: [], attrSet: 0, attrClear: 0, createAs: 'dir', fallback: null, links: [], idmap: null, copyUp: false, ...fields };
}

/** One config cgroup mount (as compileMounts left it: fstype "cgroup"/"cgroup2") as the mounts that show it. */
function expand(m: MountOp, view: CgroupMountView): MountOp[] {
  const own = m.flags & ~(MS.BIND | MS.REC);
  if (view.unified) {
    const tree = view.hierarchies[0];
    // A user namespace over a host /sys bind (a rootless config) may be refused a fresh cgroup2
    // there (EPERM, EBUSY): the container's own cgroup is bound instead, which is what its namespace
    // would show (runc's fallback, opencontainers/runc#2158).
    if (view.namespace || !tree) {
      const fallback = tree ? { source: tree.dir, flags: MS.BIND | MS.REC, remountFlags: bindRemount(own) } : m.fallback;
      return [{ ...m, fstype: 'cgroup2', source: 'cgroup2', fallback }];
    }
    return [op(m, { source: tree.dir, flags: MS.BIND | MS.REC, remountFlags: bindRemount(own), propagation: m.propagation })];
  }
  const dest = m.destination.replace(/\/+$/, '');
  const links = view.hierarchies
    .filter((h) => h.fstype === 'cgroup' && h.name.includes(','))
    .flatMap((h) => h.name.split(',').filter((c) => c !== h.name).map((c) => ({ path: `${dest}/${c}`, target: h.name })));
  const ops: MountOp[] = [op(m, { source: 'tmpfs', fstype: 'tmpfs', flags: DEFAULT_FLAGS, data: 'mode=755', propagation: m.propagation, links })];
  for (const h of view.hierarchies) {
    const destination = `${dest}/${h.name}`;
    if (view.namespace) {
      const source = h.fstype === 'cgroup2' ? 'cgroup2' : h.data.startsWith('name=') ? h.data.slice(5) : 'cgroup';
      ops.push(op(m, { destination, source, fstype: h.fstype, flags: DEFAULT_FLAGS | (own & MS.RDONLY), data: h.data }));
    } else {
      ops.push(op(m, { destination, source: h.dir, flags: MS.BIND | MS.REC, remountFlags: bindRemount(own), propagation: m.propagation }));
    }
  }
  // Read-only last: the directories and links above are made in the tmpfs first.
  if (own & MS.RDONLY) ops.push(op(m, { flags: MS.REMOUNT | MS.BIND | MS.RDONLY | DEFAULT_FLAGS }));
  return ops;
}

export const isCgroupMount = (m: MountOp): boolean => m.fstype === 'cgroup' || m.fstype === 'cgroup2';

/** The plan's mounts with every cgroup mount expanded for `view` (the rest unchanged, in order). */
export function placeCgroupMounts(mounts: readonly MountOp[], view: CgroupMountView): MountOp[] {
  return mounts.flatMap((m) => (isCgroupMount(m) ? expand(m, view) : [m]));
}
