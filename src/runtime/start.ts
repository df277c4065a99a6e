// start: release a created container (sync steps 7 and 8 of native/init/sync.h). Its init is
// blocked opening exec.fifo for writing; opening the read side lets it through. It writes "0",
// runs the startContainer hooks and execs the user's process; its write end is close-on-exec, so
// end-of-file on the FIFO means the exec happened. Only then do the poststart hooks run. On a
// failure on the way the init writes "e<message>" instead.
import { crashPoint } from '../crash-point';
import * as fs from 'node:fs';

import { systemError, TsruncError } from '../errors';
import type { Logger } from '../logger';
import { addon } from '../native/addon';
import { isSameLiveProcess } from '../process/proc';
import { sleep, waitGone } from '../process/wait';
import { ContainerDir, type StoredState } from '../state/store';
import { hookState, runHooks } from './hooks';
import { signalContainer } from './kill';
import { deriveStatus } from './status';

const SIGKILL = 9;

const START_TIMEOUT_MS = 10_000;

/**
 * Reads the FIFO until the init closes it; returns everything it wrote. The fd is made blocking
 * and read synchronously: each read returns exactly when the init writes, execs (its end is
 * close-on-exec) or dies - no timer, no thread pool. Synchronous on purpose: the container's lock
 * is held meanwhile, and an in-process caller that, between two turns of the event loop, took
 * the lock for another verb on this container (kill, state) would block on it for good. The
 * init is already blocked opening its end, so this takes as long as its startContainer hooks.
 * The one case a timer remains for is rare: end-of-file before anything was written while the
 * init lives means it has not reached its open of the FIFO yet (create returns after sync
 * step 6, an instant before); the FIFO is then read again after a short pause, bounded overall.
 */
async function readUntilExec(fd: number, fifo: string, stored: StoredState): Promise<string> {
  addon().setBlocking(fd);
  const chunk = Buffer.alloc(4096);
  let got = '';
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      throw systemError(`cannot read ${fifo}`, e);
    }
    if (n > 0) {
      got += chunk.toString('utf8', 0, n);
      continue;
    }
    if (got.length > 0) return got;
    if (!isSameLiveProcess(stored.pid, stored.pidStartTime)) {
      throw new TsruncError('INVALID_STATE', 'container init exited before it could be started');
    }
    if (Date.now() > deadline) throw new TsruncError('SYSTEM', 'timed out waiting for the container init to start');
    await sleep(delay);
  }
}

/**
 * readUntilExec for an in-process caller, who runs other containers meanwhile: the FIFO is read
 * through the event loop (epoll), so this thread is free while the init runs its startContainer
 * hooks and execs. The container's lock stays held across the awaits; another verb of this
 * process on the same container gets a "busy" error meanwhile (store.ts), not a hang. End-of-file
 * arrives only once a writer came and went: an init that died before it opened its end is seen
 * by a liveness check on a timer, the one case the fd cannot tell.
 */
async function readUntilExecAsync(fifo: string, stored: StoredState): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    // Opened on the thread pool: the open wakes the init blocked in its own open (~0.7 ms here).
    const fd = await new Promise<number>((resolve, reject) =>
      fs.open(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (e, fd) => (e ? reject(systemError(`cannot open ${fifo}`, e)) : resolve(fd))));
    const got = await readFifoToEnd(fd, fifo, stored);
    if (got.length > 0) return got;
    if (!isSameLiveProcess(stored.pid, stored.pidStartTime)) {
      throw new TsruncError('INVALID_STATE', 'container init exited before it could be started');
    }
    if (Date.now() > deadline) throw new TsruncError('SYSTEM', 'timed out waiting for the container init to start');
    await sleep(delay);
  }
}

const LIVENESS_CHECK_MS = 50;

/**
 * Reads the FIFO (non-blocking) as the event loop says it is readable (addon watchReadable: a libuv
 * poll, as the sync socket is read) until end-of-file. No net.Socket: making one per container
 * (stream state, handle wrap) cost the JS thread ~0.2 ms here.
 */
function readFifoToEnd(fd: number, fifo: string, stored: StoredState): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    let done = false;
    const chunk = Buffer.allocUnsafe(4096);
    let watch: { close(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      watch?.close();
      fs.closeSync(fd);
      if (error) reject(systemError(`cannot read ${fifo}`, error));
      else resolve(got);
    };
    // Reads what is there; true at end-of-file, false when the writer has nothing more yet.
    const drain = (): boolean => {
      for (;;) {
        let n: number;
        try {
          n = fs.readSync(fd, chunk, 0, chunk.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
          throw e;
        }
        if (n === 0) return true;
        got += chunk.toString('utf8', 0, n);
      }
    };
    try {
      watch = addon().watchReadable(fd, () => {
        try {
          if (drain()) finish();
        } catch (e) {
          finish(e);
        }
      });
    } catch (e) {
      finish(e);
      return;
    }
    timer = setInterval(() => {
      if (got.length > 0 || isSameLiveProcess(stored.pid, stored.pidStartTime)) return;
      // The init is gone. It may have written and exec'd (and its process exited) before the
      // event loop read the FIFO: timers run before the poll phase. Read what is there now; a
      // FIFO that no writer ever opened reads end-of-file at once.
      try {
        if (!drain()) return; // a writer still has it open
      } catch {
        // unreadable: finished as if at end-of-file, as the caller then checks the init
      }
      finish();
    }, LIVENESS_CHECK_MS);
  });
}

function openFifo(fifo: string): number {
  try {
    return fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw systemError(`cannot open ${fifo}`, e);
  }
}

/** `blocking`: wait on the FIFO with synchronous reads (the CLI: one container, and no `net` to load). */
export async function start(root: string, id: string, logger: Logger, blocking = true): Promise<void> {
  const dir = ContainerDir.open(root, id);
  try {
    const stored = dir.read();
    const status = deriveStatus(dir, stored);
    if (status === 'stopped') throw new TsruncError('INVALID_STATE', 'cannot start a container that has stopped');
    if (status !== 'created') throw new TsruncError('INVALID_STATE', 'cannot start an already running container');
    logger.debug(`start ${id}: opening exec.fifo to release init pid ${stored.pid}`);
    // sync step 7. Non-blocking open: it never hangs, even if the init died an instant ago.
    let said: string;
    if (blocking) {
      const fd = openFifo(dir.fifoPath);
      crashPoint('start:opened');
      try {
        said = await readUntilExec(fd, dir.fifoPath, stored); // sync step 8: "0", then end-of-file or "e<message>"
      } finally {
        fs.closeSync(fd);
      }
    } else {
      said = await readUntilExecAsync(dir.fifoPath, stored); // sync step 8, likewise
    }
    crashPoint('start:released');
    try {
      fs.unlinkSync(dir.fifoPath);
    } catch (e) {
      throw systemError(`cannot remove ${dir.fifoPath}`, e);
    }
    const failure = said.indexOf('e');
    if (failure >= 0) throw new TsruncError('SETUP_FAILED', said.slice(failure + 1));
    logger.debug(`start ${id}: the container process was executed`);
    crashPoint('start:poststart');
    try {
      await runHooks(stored.config, 'poststart', hookState(stored, 'running'), logger, true);
    } catch (e) {
      // runtime-spec 1.3 (runtime.md, lifecycle step 9): a failing poststart hook is an error, and
      // the container is stopped (runc 1.2+ does the same); `delete` then undoes it, poststop included.
      signalContainer(stored, SIGKILL);
      await waitGone(stored.pid, stored.pidStartTime);
      throw e;
    }
  } finally {
    dir.unlock();
  }
}
