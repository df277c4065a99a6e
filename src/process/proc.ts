// What /proc says about a process. A stored pid alone cannot be trusted: the process may have
// exited and its pid been reused, so every check compares the start time recorded at creation
// (/proc/<pid>/stat field 22, in clock ticks since boot).
import * as fs from 'node:fs';

import { addon } from '../native/addon';

/** /proc/<pid>/stat field 22; null when there is no such process. Read by the native core (native/core/proc_stat.cc), the one parser of that file, which tsrunc-init's exec uses too. */
export function processStartTime(pid: number): string | null {
  return addon().processStartTime(pid);
}

/**
 * True when `pid` is the same, still running (not zombie) process that was recorded. Decided by
 * the native core (native/core/status.cc), which the native front-end runs too.
 */
export function isSameLiveProcess(pid: number, startTime: string): boolean {
  return addon().isSameLiveProcess(pid, startTime);
}

/** Host pids of every process in the pid namespace of `pid` (including it). */
export function pidsInNamespaceOf(pid: number): number[] {
  let ns: string;
  try {
    ns = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/ns/pid`) === ns) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}
