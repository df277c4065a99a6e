// Mount option strings ("ro", "nosuid", "rprivate", "size=64m", ...) -> mount(2) arguments,
// following the table runc and crun use, so a config means the same under every runtime.
import type { RootfsPropagation } from '../generated/config';
import { MS } from './linux';

export interface ParsedMountOptions {
  /** MS_* flags to set. */
  flags: number;
  /** Propagation changes, in the order given. */
  propagation: number[];
  /** Everything else, for the filesystem (data argument), in the order given. */
  data: string[];
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

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const word of options) {
    const flag = FLAG_WORDS[word];
    if (flag) {
      flags = flag[1] ? flags | flag[0] : flags & ~flag[0];
    } else if (word in PROPAGATION_WORDS) {
      propagation.push(PROPAGATION_WORDS[word as RootfsPropagation]);
    } else {
      data.push(word);
    }
  }
  return { flags, propagation, data };
}

export function propagationFlags(word: string): number | undefined {
  return word in PROPAGATION_WORDS ? PROPAGATION_WORDS[word as RootfsPropagation] : undefined;
}
