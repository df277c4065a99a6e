// Unpacks one layer tar into an empty directory of the layer store, checking every entry itself
// (tar-stream only parses; nothing is extracted that this file did not vet):
// - a name is a path inside the layer (entry-path.ts); every parent on the way is an ordinary
//   directory created by this very unpack, never a symlink, so no write goes through a link, and
//   a hard link names an earlier file of the same layer the same way;
// - device nodes only for root (mknod needs it; a non-root unpack of one would be a lie); ownership,
//   modes (setuid included: chmod after chown, which clears it), times and the xattrs an image may
//   carry (user.*, security.capability; names and values as bytes, UTF-8 or not: pax-xattrs.ts) are
//   applied; trusted.overlay.* is overlayfs's and refused;
// - whiteouts become overlayfs's: `.wh.NAME` a 0/0 character device NAME, `.wh..wh..opq` the
//   directory's trusted.overlay.opaque=y (whiteout.ts).
// The directory is private to this unpack (store.ts renames it into place only once the digests
// match), so a path checked here cannot change before it is used.
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

import type * as tarStream from 'tar-stream';

import { addon } from '../native/addon';
import { entryComponents, entryError } from './entry-path';
import { extractKeepingXattrBytes, rawXattrsOf } from './pax-xattrs';
import { OPAQUE_XATTR, OVERLAY_XATTR_PREFIXES, USER_OPAQUE_XATTR, whiteoutOf } from './whiteout';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

export interface UnpackOptions {
  /** The layer's name in errors (its digest). */
  layer: string;
  /** Whether ownership is applied and device nodes are allowed (the caller is root). */
  privileged: boolean;
}

interface DirTimes { path: string; mtime: Date; mode: number }

/** Reads the tar stream to its end, building the layer's tree in `dir` (an existing empty directory). */
export async function unpackLayer(tar: Readable, dir: string, opts: UnpackOptions): Promise<void> {
  const extract = extractKeepingXattrBytes();
  // tar-stream's streams are streamx's: fed by pipe(), an input error ends the iteration below.
  tar.on('error', (e) => extract.destroy(e));
  tar.pipe(extract as unknown as NodeJS.WritableStream);
  // Directory times are set last: every entry written into a directory changes its mtime.
  const dirTimes: DirTimes[] = [];
  try {
    for await (const entry of extract) {
      await applyEntry(entry.header, entry as unknown as Readable, dir, opts, dirTimes);
    }
  } catch (e) {
    tar.unpipe();
    tar.destroy();
    throw e;
  }
  for (let i = dirTimes.length - 1; i >= 0; i--) {
    // Unprivileged, a directory stays writable to its owner (the unpack) until its last entry is in.
    if (!opts.privileged) fs.chmodSync(dirTimes[i].path, dirTimes[i].mode);
    fs.utimesSync(dirTimes[i].path, dirTimes[i].mtime, dirTimes[i].mtime);
  }
}

async function applyEntry(header: tarStream.Header, body: Readable, dir: string, opts: UnpackOptions, dirTimes: DirTimes[]): Promise<void> {
  const name = header.name;
  const fail = (why: string): never => {
    throw entryError(opts.layer, name, why);
  };
  const parts = entryComponents(opts.layer, name);
  const drain = () => body.resume();
  if (parts.length === 0) {
    // The layer root ("./"): its metadata is the rootfs's own; overlayfs takes the upper's. Nothing to do.
    drain();
    return;
  }
  const base = parts[parts.length - 1];
  const parent = ensureParents(dir, parts.slice(0, -1), fail);
  const target = `${parent}/${base}`;

  const whiteout = whiteoutOf(base);
  if (whiteout) {
    drain();
    if (whiteout.kind === 'meta') return;
    if (whiteout.kind === 'opaque') {
      if (opts.privileged) addon().lsetxattr(parent, OPAQUE_XATTR, Buffer.from('y'));
      addon().lsetxattr(parent, USER_OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (whiteout.name === '.' || whiteout.name === '..' || whiteout.name === '') fail('a whiteout of "." or ".."');
    const hidden = `${parent}/${whiteout.name}`;
    removeExisting(hidden, false);
    // A 0/0 character device: the one device node anyone may make (Linux 5.8, for overlayfs).
    addon().mknod(hidden, S_IFCHR | 0o000, 0, 0);
    return;
  }

  const xattrs = xattrsOf(header, opts.privileged, fail);
  switch (header.type) {
    case 'file':
    case 'contiguous-file': {
      removeExisting(target, false);
      // O_EXCL: never opens anything that is already there (a link planted at the name included).
      await pipeline(body, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
      break;
    }
    case 'directory': {
      drain();
      const existing = lstatOrNull(target);
      if (existing && !existing.isDirectory()) removeExisting(target, false);
      if (!existing || !existing.isDirectory()) fs.mkdirSync(target, { mode: 0o700 });
      dirTimes.push({ path: target, mtime: header.mtime ?? new Date(0), mode: (header.mode ?? 0o755) & 0o7777 });
      break;
    }
    case 'symlink': {
      drain();
      const link = header.linkname ?? '';
      if (link === '' || link.includes('\0')) fail('a symlink with an empty or NUL target');
      removeExisting(target, false);
      // The target is stored, never followed here: an absolute or climbing target resolves in the
      // container's root when the container uses it, and no later entry may write through it
      // (ensureParents refuses a link as a parent).
      fs.symlinkSync(link, target);
      break;
    }
    case 'link': {
      drain();
      if ((header.linkname ?? '').split('/').includes('..')) fail(`a hard link to ${JSON.stringify(header.linkname)}: a ".." path component (out of the layer)`);
      const linkParts = entryComponents(opts.layer, header.linkname ?? '');
      if (linkParts.length === 0) fail('a hard link to the layer root');
      const notHere = () => fail(`a hard link to ${JSON.stringify(header.linkname)}, which is not an earlier entry of this layer`);
      const linkParent = ensureParents(dir, linkParts.slice(0, -1), notHere, false);
      const source = `${linkParent}/${linkParts[linkParts.length - 1]}`;
      const st = lstatOrNull(source);
      if (!st) fail(`a hard link to ${JSON.stringify(header.linkname)}, which is not an earlier entry of this layer`);
      if (st!.isDirectory()) fail('a hard link to a directory');
      removeExisting(target, false);
      // link(2) does not follow a symlink at the source: the new name is the same inode, inside the layer.
      fs.linkSync(source, target);
      // A hard link shares the inode: its metadata is the first entry's; nothing more to apply.
      return;
    }
    case 'character-device':
    case 'block-device':
    case 'fifo': {
      drain();
      if (header.type !== 'fifo' && !opts.privileged) fail(`a ${header.type} node (${header.devmajor}:${header.devminor}): only root may unpack device nodes`);
      removeExisting(target, false);
      const type = header.type === 'fifo' ? S_IFIFO : header.type === 'block-device' ? S_IFBLK : S_IFCHR;
      addon().mknod(target, type | 0o600, header.devmajor ?? 0, header.devminor ?? 0);
      break;
    }
    default:
      drain();
      fail(`an entry of type ${JSON.stringify(header.type)}, which a layer may not hold`);
  }

  const mode = (header.mode ?? 0o644) & 0o7777;
  if (opts.privileged) fs.lchownSync(target, header.uid ?? 0, header.gid ?? 0);
  for (const [key, value] of xattrs) addon().lsetxattr(target, key, value);
  if (header.type !== 'symlink') {
    fs.chmodSync(target, header.type === 'directory' && !opts.privileged ? mode | 0o700 : mode);
    if (header.type !== 'directory') fs.utimesSync(target, header.mtime ?? new Date(0), header.mtime ?? new Date(0));
  } else {
    fs.lutimesSync(target, header.mtime ?? new Date(0), header.mtime ?? new Date(0));
  }
}

/**
 * The directory `parts` names under `dir`, each component checked with lstat: an existing one must be
 * a directory (a symlink, file or device there would send the write elsewhere); a missing one is made
 * (0755, root's: the tar had no entry of its own for it) unless `create` is false.
 */
function ensureParents(dir: string, parts: string[], fail: (why: string) => never, create = true): string {
  let at = dir;
  for (const part of parts) {
    at = `${at}/${part}`;
    const st = lstatOrNull(at);
    if (st === null) {
      if (!create) fail('');
      fs.mkdirSync(at, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) fail(`its parent ${JSON.stringify(at.slice(dir.length + 1))} is a symlink: a write through a link is refused`);
    if (!st.isDirectory()) fail(`its parent ${JSON.stringify(at.slice(dir.length + 1))} is not a directory`);
  }
  return at;
}

/** Clears the way for a new entry at `p` (a later entry of the same name replaces an earlier one). */
function removeExisting(p: string, keepDir: boolean): void {
  const st = lstatOrNull(p);
  if (!st) return;
  if (st.isDirectory()) {
    if (keepDir) return;
    // Only this unpack's own private tree: nothing is mounted here.
    fs.rmSync(p, { recursive: true, force: true });
  } else {
    fs.unlinkSync(p);
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The entry's xattrs (PAX SCHILY.xattr.*, as bytes: pax-xattrs.ts) an image may set. */
function xattrsOf(header: tarStream.Header, privileged: boolean, fail: (why: string) => never): [Buffer, Buffer][] {
  const out: [Buffer, Buffer][] = [];
  for (const [name, value] of rawXattrsOf(header)) {
    // Only the prefix is compared as text: the rest of a name is bytes the kernel takes as they are.
    const prefix = name.toString('latin1');
    if (OVERLAY_XATTR_PREFIXES.some((p) => prefix.startsWith(p))) fail(`the xattr ${name.toString('utf8')}: overlayfs's own attributes may not come from an image`);
    if (name.includes(0)) fail(`the xattr ${name.toString('utf8')}: a NUL byte in its name`);
    if (!prefix.startsWith('user.') && prefix !== 'security.capability') continue; // selinux labels, ACLs: the host's business
    // A file capability needs CAP_SETFCAP: an unprivileged user's layer goes without it (as umoci --rootless).
    if (prefix === 'security.capability' && !privileged) continue;
    out.push([name, value]);
  }
  return out;
}
