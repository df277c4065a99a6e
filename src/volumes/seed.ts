// Seeding a new volume from the image, as Docker does for `-v /path` and an image's VOLUME: what the
// image holds at that path is copied into the empty volume once, when it is created, with owners,
// modes, times and xattrs (setuid bits included: chmod after chown). Symlinks are copied as links,
// never followed; the copy stays on the image's filesystem (a mount under the path is not copied).
import * as fs from 'node:fs';

import { addon } from '../native/addon';

export function seedVolume(source: string, dest: string): void {
  const st = fs.lstatSync(source, { throwIfNoEntry: false });
  if (!st || !st.isDirectory()) return; // nothing (or a file) at the path: Docker seeds only directories
  copyMeta(source, dest, st);
  copyChildren(source, dest, st.dev);
}

function copyChildren(from: string, to: string, dev: number): void {
  for (const name of fs.readdirSync(from)) {
    const src = `${from}/${name}`;
    const dst = `${to}/${name}`;
    const st = fs.lstatSync(src);
    if (st.isDirectory()) {
      if (st.dev !== dev) continue;
      fs.mkdirSync(dst, { mode: 0o700 });
      copyChildren(src, dst, dev);
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst);
    } else if (st.isFile()) {
      fs.copyFileSync(src, dst, fs.constants.COPYFILE_EXCL);
    } else if (st.isCharacterDevice() && st.rdev === 0) {
      continue; // an overlayfs whiteout shows as nothing in the merged tree; never seen here
    } else {
      addon().mknod(dst, st.mode, Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00));
    }
    copyMeta(src, dst, st);
  }
}

function copyMeta(src: string, dst: string, st: fs.Stats): void {
  fs.lchownSync(dst, st.uid, st.gid);
  for (const name of addon().llistxattr(src)) {
    if (name.toString('latin1').startsWith('trusted.overlay.')) continue;
    const value = addon().lgetxattr(src, name);
    if (value) addon().lsetxattr(dst, name, value);
  }
  if (!st.isSymbolicLink()) fs.chmodSync(dst, st.mode & 0o7777);
  fs.lutimesSync(dst, st.atime, st.mtime);
}
