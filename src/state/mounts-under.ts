// Mounts under a directory tsrunc is about to remove recursively. The state directory only ever
// holds tsrunc's own files, but should another tool have mounted something there, a recursive
// remove would go through the live mount and delete what it shows: host data (the lesson this
// project started from). Such mounts are detached first; the remove then sees the bare directory.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or under `dir` in tsrunc's mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint === undefined) continue;
    const p = unescape(mountPoint);
    if (p === dir || p.startsWith(dir + '/')) found.add(p);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Detaches (lazily, as `umount -l`) every mount at or under `dir`; throws if one stays. */
export function detachMountsUnder(dir: string): void {
  // Mounts stacked on one mount point come off one per pass.
  for (let pass = 0; pass < 8; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    // child_process (with net, streams and dgram: ~3 ms) is loaded only here, where it is used:
    // this module is on the path of every delete.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    for (const m of mounts) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // Checked on the next pass (a mount under another one went with it).
      }
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new TsruncError('SYSTEM', `cannot remove ${dir}: ${left[0]} is mounted under it and could not be detached`);
}
