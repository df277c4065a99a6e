// Recursive removal that never leaves the filesystem it started on. Whatever is mounted under the
// tree has been unmounted before (remove.ts), but should a mount appear anyway (another tool, a
// container's bind propagated back), descending into it would delete what the mount shows - a
// volume or a host directory (the lesson this project started from). A directory on another
// device is refused, naming it, and nothing under it is touched.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';

export function removeWithinMount(dir: string, dev?: number): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isDirectory()) {
    fs.unlinkSync(dir);
    return;
  }
  const device = dev ?? st.dev;
  if (st.dev !== device) throw new TsruncError('INVALID_STATE', `refusing to remove ${dir}: it is on another filesystem (a mount point)`);
  // A directory without search or write permission for its owner (overlayfs's work/work is mode 0,
  // and an image may ship a 0555 one in the upper dir): root passes anyway, the rootless owner of a
  // bundle opens it up first - it is the owner's own file.
  if ((st.mode & 0o700) !== 0o700 && st.uid === process.geteuid?.() && process.geteuid?.() !== 0) fs.chmodSync(dir, (st.mode & 0o7777) | 0o700);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${entry.name}`;
    if (entry.isDirectory()) removeWithinMount(p, device);
    else {
      try {
        fs.unlinkSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EBUSY') throw new TsruncError('INVALID_STATE', `refusing to remove ${dir}: it is a mount point`);
    if (code !== 'ENOENT') throw e;
  }
}
