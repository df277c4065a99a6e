// Handing a user-namespaced container its own cgroup2 directory, as runc does (its fs2 manager's
// OwnerUID): the directory and the files the kernel lists as safe to delegate
// (/sys/kernel/cgroup/delegate) are chowned to the host uid of the container's root, so it can make
// sub-cgroups and move its processes between them - never write its own limits, which stay in
// files root owns. Only where the container sees its cgroup: its own cgroup namespace and a
// read-write cgroup mount at /sys/fs/cgroup.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import type { Spec } from '../generated/config';

// The kernel's list when /sys/kernel/cgroup/delegate cannot be read (Linux before 4.15).
const DEFAULT_DELEGATE = ['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control'];

/** The host uid that gets the container's cgroup2 directory; null = nothing is delegated. */
export function cgroupOwner(config: Spec): number | null {
  const linux = config.linux;
  const ns = linux?.namespaces ?? [];
  const fresh = (type: string) => ns.some((n) => n.type === type && !n.path);
  if (!fresh('user') || !fresh('cgroup')) return null;
  const rwCgroupfs = (config.mounts ?? []).some((m) => (m.type === 'cgroup' || m.type === 'cgroup2')
    && path.posix.normalize(m.destination) === '/sys/fs/cgroup' && !(m.options ?? []).includes('ro'));
  if (!rwCgroupfs) return null;
  const root = (linux?.uidMappings ?? []).find((m) => Number(m.containerID) === 0);
  return root ? Number(root.hostID) : null;
}

/** Chowns `dir` and its delegatable files to `uid` (group unchanged). */
export function delegateCgroup(dir: string, uid: number): void {
  let files = DEFAULT_DELEGATE;
  try {
    files = fs.readFileSync('/sys/kernel/cgroup/delegate', 'utf8').split('\n').filter(Boolean);
  } catch { /* older kernel: its fixed list */ }
  for (const p of [dir, ...files.map((f) => path.join(dir, f))]) {
    try {
      fs.chownSync(p, uid, -1);
    } catch (e) {
      // A file this kernel lacks (memory.reclaim without the memory controller) is not delegated.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && p !== dir) continue;
      throw new TsruncError('SETUP_FAILED', `config.json /linux/cgroupsPath: delegate cgroup ${p} to uid ${uid}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { pointer: '/linux/cgroupsPath', cause: e });
    }
  }
}
