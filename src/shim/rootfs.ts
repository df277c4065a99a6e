// The container's root filesystem as containerd hands it over (CreateTaskRequest.rootfs: the
// snapshotter's mounts, e.g. one overlay) is mounted on <bundle>/rootfs before create, and
// unmounted before the bundle is removed (Delete, and the `delete` subcommand after a crash), as
// the runc shim does. Unmounting is all it ever does to that directory: never a recursive removal,
// which through a live mount would destroy the snapshot's data.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { addon } from '../native/addon';
import { parseMountOptions } from '../plan/mount-options';
import { MS } from '../plan/linux';

export interface RootfsMount {
  type: string;
  source: string;
  options: string[];
}

const MNT_DETACH = 2;

export function rootfsDir(bundle: string): string {
  return path.join(bundle, 'rootfs');
}

/** Mounts `mounts` in order on <bundle>/rootfs (made if missing); on failure nothing stays mounted. */
export function mountRootfs(bundle: string, mounts: readonly RootfsMount[]): void {
  if (mounts.length === 0) return;
  const target = rootfsDir(bundle);
  fs.mkdirSync(target, { recursive: true, mode: 0o711 });
  let done = 0;
  try {
    for (const m of mounts) {
      // containerd's option words, read with the table config.json mounts use.
      const parsed = parseMountOptions(m.options);
      const a = addon();
      const type = m.type === 'bind' ? '' : m.type;
      const flags = m.type === 'bind' ? parsed.flags | MS.BIND : parsed.flags;
      const bind = (flags & MS.BIND) !== 0;
      a.mount(m.source, target, type, bind ? flags & ~MS.RDONLY : flags, parsed.data.join(','));
      done++;
      // A bind mount takes the read-only flag only from a remount.
      if (bind && (flags & MS.RDONLY) !== 0) a.mount('', target, '', flags | MS.REMOUNT, '');
      for (const p of parsed.propagation) a.mount('', target, '', p, '');
    }
  } catch (e) {
    for (; done > 0; done--) addon().unmount(target, MNT_DETACH);
    throw e;
  }
}

/** Unmounts everything mounted on <bundle>/rootfs (the snapshot's mounts, stacked or not). */
export function unmountRootfs(bundle: string): void {
  const target = rootfsDir(bundle);
  // Bounded: each round removes one mount; a target that is not a mount point ends it.
  for (let i = 0; i < 64; i++) if (!addon().unmount(target, MNT_DETACH)) return;
}
