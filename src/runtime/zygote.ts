// tsrunc-init's fork server (native/init/zygote.h), for in-process callers: one tsrunc-init is
// exec'd per process (and per binary) from the sealed memfd, and forks a helper per container,
// which saves each container the exec and glibc's start-up (~1 ms of CPU here, most of it CPU
// feature probing that traps to the hypervisor). Each helper is a child of this process
// (CLONE_PARENT): reaped and waited on through its pidfd, as a spawned one.
//
// The zygote holds nothing of any container: it gets the helper's fds with the request and
// closes them once it has forked. It keeps no event-loop handle while idle (an idle one never
// keeps the process alive) and ends at end-of-file, when this process exits.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';
import { FORK_SERVER, INIT_ENV } from '../generated/contract';

/** native/init/zygote.cc's limit on the fds of one helper (src/plan/contract.json). */
export const ZYGOTE_MAX_FDS = FORK_SERVER.maxFds;

interface Pending {
  resolve: (spawned: { pid: number; pidfd: number }) => void;
  reject: (e: unknown) => void;
}

export class Zygote {
  private readonly queue: Pending[] = [];
  private watch: { close(): void } | undefined;
  private dead = false;

  private constructor(private readonly fd: number, private readonly pidfd: number) {}

  /** Starts the server from `exe` (a /proc/self/fd path of the sealed copy). */
  static start(exe: string): Zygote {
    const a = addon();
    const [ours, theirs] = a.seqpacketPair();
    let spawned: { pid: number; pidfd: number };
    try {
      // The server's socket on fd FORK_SERVER.fd, after stdio.
      const slots = [-1, -1, -1];
      slots[FORK_SERVER.fd] = theirs;
      spawned = a.spawnHelper(exe, slots, [`${INIT_ENV.zygoteFd}=${FORK_SERVER.fd}`], 'tsrunc-init');
    } catch (e) {
      fs.closeSync(ours);
      throw e;
    } finally {
      fs.closeSync(theirs);
    }
    return new Zygote(ours, spawned.pidfd);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /**
   * One helper with fd i = slots[i] (-1: /dev/null) and exactly `env`: its pid and pidfd. Throws
   * (and the server is ended) when the request cannot be sent - the server is gone, and nothing
   * was forked: the caller may ask a new one. A server that dies after it took a request fails
   * the promise: whether it forked is unknown, so that create fails rather than retries.
   */
  spawn(slots: number[], env: string[]): Promise<{ pid: number; pidfd: number }> {
    try {
      addon().zygoteRequest(this.fd, slots, env);
    } catch (e) {
      this.end(new TsruncError('SYSTEM', `tsrunc-init's fork server is gone: ${(e as Error).message}`, { cause: e }));
      throw e;
    }
    // Watched only while a reply is due: an idle zygote holds no handle on the event loop.
    this.watch ??= addon().watchReadable(this.fd, () => this.onReadable());
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  private onReadable(): void {
    for (;;) {
      const r = addon().zygoteReply(this.fd);
      if (r === null) break;
      if ('eof' in r) {
        this.end(new TsruncError('SYSTEM', "tsrunc-init's fork server exited"));
        return;
      }
      const waiter = this.queue.shift();
      if ('pid' in r) {
        if (waiter) waiter.resolve(r);
        else fs.closeSync(r.pidfd); // never: one reply per request
      } else {
        waiter?.reject(new TsruncError('SYSTEM', `cannot start tsrunc-init: ${r.errno}: ${r.message}, clone3`, { errno: r.errno, syscall: 'clone3' }));
      }
    }
    if (this.queue.length === 0) {
      this.watch?.close();
      this.watch = undefined;
    }
  }

  /** Stops serving (a rebuilt binary, or the server died): every pending request fails with `why`. */
  end(why: TsruncError = new TsruncError('SYSTEM', "tsrunc-init's fork server was replaced")): void {
    if (this.dead) return;
    this.dead = true;
    this.watch?.close();
    this.watch = undefined;
    fs.closeSync(this.fd); // the server reads end-of-file and exits
    for (const w of this.queue.splice(0)) w.reject(why);
    // Reaped once it has exited; until then its pidfd is watched (without holding the loop).
    const reap = (): boolean => {
      try {
        if (!addon().reapPidfd(this.pidfd)) return false;
      } catch {
        // not ours any more: nothing to reap
      }
      fs.closeSync(this.pidfd);
      return true;
    };
    if (reap()) return;
    const timer = setInterval(() => {
      if (reap()) clearInterval(timer);
    }, 10);
    timer.unref();
  }
}
