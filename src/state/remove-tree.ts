// Removing a container's state directory: a handful of plain files (state.json, lock, exec.fifo).
// fs.rmSync loads Node's rimraf module and lstat()s every entry before it unlinks it: ~2 ms of
// every delete, a third of runc's whole `delete`. Mounts under the directory are detached before
// (store.ts: detachMountsUnder), so what is left here is only ever tsrunc's own files.
import * as fs from 'node:fs';

const gone = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** unlink(2), a file that is already gone being no error. */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if (!gone(e)) throw e;
  }
}

/** Removes `dir` and everything in it, a directory that is already gone being no error. */
export function removeTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (gone(e)) return;
    throw e;
  }
  for (const entry of entries) {
    const p = `${dir}/${entry.name}`;
    if (entry.isDirectory()) removeTree(p);
    else removeFile(p);
  }
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    if (!gone(e)) throw e;
  }
}
