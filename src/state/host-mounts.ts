// A container without a mount namespace of its own makes its mounts in the runtime's (the host's):
// tsrunc-init binds the rootfs onto itself, makes that bind private and mounts everything of the
// container under it (native/init/rootfs.cc). Nothing else of the host's mount table changes, and
// `delete` (or a failed `create`) detaches exactly that bind, which takes every mount under it along.
//
// Which bind is ours is decided by where it sits: on the mount that was topmost at the rootfs path
// before the init existed. That mount's id is recorded in the "creating" record, so a tsrunc killed
// at any point leaves nothing `delete --force` cannot find - and a mount someone else had at the
// rootfs (containerd's overlay) is never touched.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';

export interface HostMountRecord {
  /** The rootfs path (symlinks resolved), where the bind is. */
  rootfs: string;
  /** Mount id of the mount the bind is stacked on (topmost at or above the rootfs before create). */
  under: number;
}

interface MountEntry {
  id: number;
  parent: number;
  mountPoint: string;
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function mountTable(): MountEntry[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const f = line.split(' ');
      return { id: Number(f[0]), parent: Number(f[1]), mountPoint: unescape(f[4]) };
    });
}

const covers = (mountPoint: string, p: string): boolean => mountPoint === '/' || p === mountPoint || p.startsWith(mountPoint + '/');

/** The record for a container about to be created at `rootfs` (an absolute, resolved path). */
export function recordHostMounts(rootfs: string): HostMountRecord {
  const table = mountTable();
  const covering = table.filter((m) => covers(m.mountPoint, rootfs));
  const deepest = Math.max(...covering.map((m) => m.mountPoint.length));
  const atDeepest = covering.filter((m) => m.mountPoint.length === deepest);
  // Mounts stacked on one mount point: the topmost is the one no other there sits on.
  const top = atDeepest.find((m) => !atDeepest.some((o) => o.parent === m.id));
  if (!top) throw new TsruncError('SYSTEM', `cannot tell which mount holds ${rootfs}`);
  return { rootfs, under: top.id };
}

/** Detaches the container's rootfs bind (and what is stacked on it) if it is there; idempotent. */
export function detachHostMounts(record: HostMountRecord): void {
  const MNT_DETACH = 2;
  // Each pass takes the topmost mount at the rootfs path: ours, or one the container stacked on it.
  for (let pass = 0; pass < 16; pass++) {
    const ours = mountTable().some((m) => m.mountPoint === record.rootfs && m.parent === record.under);
    if (!ours) return;
    if (!addon().unmount(record.rootfs, MNT_DETACH)) return;
  }
  throw new TsruncError('SYSTEM', `cannot detach the container's mounts at ${record.rootfs}`);
}
