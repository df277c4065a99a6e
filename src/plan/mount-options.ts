// Mount option strings ("ro", "nosuid", "rprivate", "size=64m", ...) -> mount(2) arguments,
// following the table runc and crun use, so a config means the same under every runtime.
import type { RootfsPropagation } from '../generated/config';
import { MOUNT_ATTR, MS } from './linux';

export interface ParsedMountOptions {
  /** MS_* flags to set. */
  flags: number;
  /** Propagation changes, in the order given. */
  propagation: number[];
  /** Everything else, for the filesystem (data argument), in the order given. */
  data: string[];
  /** MOUNT_ATTR_* to set and to clear on the mount and every mount under it (the r* options). */
  attrSet: number;
  attrClear: number;
}

// [flag, set?]: "rw" clears MS_RDONLY, "ro" sets it, and so on; the last word wins.
export const FLAG_WORDS: Record<string, [number, boolean]> = {
  ro: [MS.RDONLY, true],
  rw: [MS.RDONLY, false],
  nosuid: [MS.NOSUID, true],
  suid: [MS.NOSUID, false],
  nodev: [MS.NODEV, true],
  dev: [MS.NODEV, false],
  noexec: [MS.NOEXEC, true],
  exec: [MS.NOEXEC, false],
  sync: [MS.SYNCHRONOUS, true],
  async: [MS.SYNCHRONOUS, false],
  dirsync: [MS.DIRSYNC, true],
  remount: [MS.REMOUNT, true],
  mand: [MS.MANDLOCK, true],
  nomand: [MS.MANDLOCK, false],
  noatime: [MS.NOATIME, true],
  atime: [MS.NOATIME, false],
  nodiratime: [MS.NODIRATIME, true],
  diratime: [MS.NODIRATIME, false],
  relatime: [MS.RELATIME, true],
  norelatime: [MS.RELATIME, false],
  strictatime: [MS.STRICTATIME, true],
  nostrictatime: [MS.STRICTATIME, false],
  lazytime: [MS.LAZYTIME, true],
  nolazytime: [MS.LAZYTIME, false],
  nosymfollow: [MS.NOSYMFOLLOW, true],
  symfollow: [MS.NOSYMFOLLOW, false],
  bind: [MS.BIND, true],
  rbind: [MS.BIND | MS.REC, true],
};

// The propagation words, for mount options and linux.rootfsPropagation alike. The config schema
// validates linux.rootfsPropagation against its RootfsPropagation enum (with the recursive modes
// scripts/build-schemas.js adds, as runc accepts them); keyed by that type, this table cannot
// list a word the schema lacks, nor miss one.
export const PROPAGATION_WORDS: Record<RootfsPropagation, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

// The recursive options (runtime-spec 1.1, kernel 5.12): [attributes to set, attributes to clear],
// applied with mount_setattr(AT_RECURSIVE). The access-time mode is one field: setting it clears
// the whole field first, as the kernel requires.
const A = MOUNT_ATTR;
export const RECURSIVE_WORDS: Record<string, [number, number]> = {
  rro: [A.RDONLY, 0],
  rrw: [0, A.RDONLY],
  rnosuid: [A.NOSUID, 0],
  rsuid: [0, A.NOSUID],
  rnodev: [A.NODEV, 0],
  rdev: [0, A.NODEV],
  rnoexec: [A.NOEXEC, 0],
  rexec: [0, A.NOEXEC],
  rnodiratime: [A.NODIRATIME, 0],
  rdiratime: [0, A.NODIRATIME],
  rnosymfollow: [A.NOSYMFOLLOW, 0],
  rsymfollow: [0, A.NOSYMFOLLOW],
  rnoatime: [A.NOATIME, A.ATIME],
  rstrictatime: [A.STRICTATIME, A.ATIME],
  rnorelatime: [A.STRICTATIME, A.ATIME],
  rrelatime: [0, A.ATIME],
  ratime: [0, A.ATIME],
  rnostrictatime: [0, A.ATIME],
};

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  let attrSet = 0;
  let attrClear = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const word of options) {
    const flag = FLAG_WORDS[word];
    const attr = RECURSIVE_WORDS[word];
    if (flag) {
      flags = flag[1] ? flags | flag[0] : flags & ~flag[0];
    } else if (attr) {
      // The last word wins, as for the flags.
      attrSet = (attrSet & ~attr[1] & ~attr[0]) | attr[0];
      attrClear = (attrClear & ~attr[0]) | attr[1];
    } else if (word in PROPAGATION_WORDS) {
      propagation.push(PROPAGATION_WORDS[word as RootfsPropagation]);
    } else {
      data.push(word);
    }
  }
  return { flags, propagation, data, attrSet, attrClear };
}

export function propagationFlags(word: string): number | undefined {
  return word in PROPAGATION_WORDS ? PROPAGATION_WORDS[word as RootfsPropagation] : undefined;
}
