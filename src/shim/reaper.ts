// The shim is the child subreaper of its containers (PR_SET_CHILD_SUBREAPER): tsrunc-init's helper
// exits once a container's init (or an exec'd process) runs, and the process is reparented to the
// shim, which waits for it on a pidfd - no SIGCHLD handler, no waitpid(-1) that could take another
// waiter's status. The pidfd is opened while the process is known to be alive (right after create
// or exec), so the pid cannot name anything else.
import * as fs from 'node:fs';

import { addon } from '../native/addon';

export interface Exit {
  /** 0-255, 128+N when signal N killed it (containerd's convention, as the runc shim reports). */
  status: number;
  at: Date;
}

// A pidfd turns readable when its process exits; waitid() needs the process to be our child,
// which it becomes only once its helper has exited: until then (ECHILD) look again shortly.
const NOT_YET_OURS_RETRY_MS = 5;
const NOT_YET_OURS_LIMIT_MS = 10000;

/** Resolves when `pid` (alive now) has exited, once it is reaped. */
export function watchExit(pid: number): Promise<Exit> {
  const a = addon();
  const pidfd = a.pidfdOpen(pid);
  return new Promise((resolve) => {
    const started = Date.now();
    let watch: { close(): void } | undefined;
    const done = (status: number) => {
      watch?.close();
      watch = undefined;
      fs.closeSync(pidfd);
      resolve({ status, at: new Date() });
    };
    const tryReap = (): void => {
      let r: { code: number | null; signal: number | null } | null;
      try {
        r = a.reapPidfd(pidfd);
      } catch (e) {
        if ((e as { errno?: string }).errno === 'ECHILD' && Date.now() - started < NOT_YET_OURS_LIMIT_MS) {
          // Exited before its helper did: reparented to us in a moment.
          watch?.close();
          watch = undefined;
          setTimeout(tryReap, NOT_YET_OURS_RETRY_MS);
          return;
        }
        done(255);
        return;
      }
      if (!r) {
        watch ??= a.watchReadable(pidfd, tryReap);
        return;
      }
      done(r.code ?? 128 + (r.signal ?? 0));
    };
    watch = a.watchReadable(pidfd, tryReap);
  });
}

/** Makes this process the subreaper of everything it starts. */
export function becomeSubreaper(): void {
  addon().setChildSubreaper();
}

// Orphans: a process the shim did not start can still become its child - a daemon left behind by
// an exec'd process of a container without a pid namespace of its own is reparented to the
// nearest subreaper, the shim. Nobody waits for it, so a zombie would stay until the shim exits.
// On SIGCHLD the shim looks at its children a moment later and reaps each zombie that is not one
// it watches and was a zombie at the previous look too (a watched process, or a helper the
// runtime reaps, is reaped within milliseconds; waiting one look leaves them to their waiter).
const ORPHAN_SWEEP_MS = 1000;

function childrenOfThisProcess(): number[] {
  const out: number[] = [];
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      for (const pid of fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ')) if (pid.trim()) out.push(Number(pid));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Reaps orphaned zombies; `watched` are the pids the shim waits for itself. */
export function reapOrphans(watched: () => Set<number>): void {
  let suspects = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    timer = undefined;
    const keep = watched();
    const zombies = new Set(childrenOfThisProcess().filter((pid) => !keep.has(pid) && isZombie(pid)));
    for (const pid of zombies) {
      if (!suspects.has(pid)) continue;
      try {
        const pidfd = addon().pidfdOpen(pid);
        try {
          addon().reapPidfd(pidfd);
        } finally {
          fs.closeSync(pidfd);
        }
        zombies.delete(pid);
      } catch {
        // reaped by its waiter meanwhile
      }
    }
    suspects = zombies;
    if (suspects.size > 0) schedule();
  };
  const schedule = (): void => {
    timer ??= setTimeout(sweep, ORPHAN_SWEEP_MS);
    timer.unref();
  };
  process.on('SIGCHLD', schedule);
}
