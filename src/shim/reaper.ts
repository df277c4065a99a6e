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
