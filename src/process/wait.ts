import * as fs from 'node:fs';

import { systemError } from '../errors';
import { addon } from '../native/addon';
import { isSameLiveProcess } from './proc';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the recorded process is gone (or a zombie): on a pidfd, readable the moment it
 * exits, never on a polling timer. False on timeout.
 */
export async function waitGone(pid: number, startTime: string, timeoutMs = 10_000): Promise<boolean> {
  const pidfd = openPidfd(pid);
  if (pidfd < 0) return true;
  try {
    // The pidfd is of whatever process holds the pid now: it must still be the recorded one.
    if (!isSameLiveProcess(pid, startTime)) return true;
    return await new Promise<boolean>((resolve) => {
      const done = (gone: boolean) => {
        watch.close();
        clearTimeout(deadline);
        resolve(gone);
      };
      const watch = addon().watchReadable(pidfd, () => done(true));
      const deadline = setTimeout(() => done(false), timeoutMs);
    });
  } finally {
    fs.closeSync(pidfd);
  }
}

/** pidfd_open(pid); -1 when no such process exists. */
export function openPidfd(pid: number): number {
  try {
    return addon().pidfdOpen(pid);
  } catch (e) {
    if ((e as { errno?: string }).errno === 'ESRCH') return -1;
    throw e;
  }
}

/** Signals a process only if it is still the one recorded (never a reused pid). */
export function signalRecorded(pid: number, startTime: string, signal: number): boolean {
  if (!isSameLiveProcess(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw systemError(`cannot signal pid ${pid}`, e);
  }
}
