// How tsrunc waits: one abstraction instead of blocking and async twins of the same logic.
//
// Whatever waits on the kernel or on another process (a cgroup that is still busy, a v1
// cgroup.procs write that sleeps for an RCU grace period, the exec FIFO until the init has
// exec'd) is written once, as a generator of Steps: it decides, and yields each wait as an Op.
// A driver carries the ops out:
//   blocking    on this thread, with blocking system calls. The CLI: it runs one container, so
//               starting the thread pool, a worker or the fork server would cost it more than
//               the waits themselves, and it has nothing else to do meanwhile.
//   eventLoop   on the thread pool and the event loop. In-process callers (the library, the
//               shim): their other containers, timers and I/O go on while one container waits.
// A Runtime picks one (RuntimeOptions.blockingWaits) and hands it to every verb; the verbs pass
// it on. Code that must stay synchronous (a clean-up inside a synchronous function) runs the
// same steps with runBlocking.
import * as fs from 'node:fs';

import { addon } from '../native/addon';
import { isSameLiveProcess } from './proc';

/** One wait. Each op's result is what the generator receives back from its `yield`. */
export type Op =
  /** rmdir each directory (in order when blocking): result Outcome[] (null: removed). */
  | { op: 'rmdir'; dirs: string[] }
  /** write `value` into each existing file (open O_WRONLY|O_TRUNC): result Outcome[]. */
  | { op: 'write'; files: string[]; value: string }
  /**
   * The same writes, not waited for where the driver can leave them running (eventLoop); the
   * blocking driver does them now. Best effort: the result is always [].
   */
  | { op: 'write-detached'; files: string[]; value: string }
  /**
   * A pause of `ms`. `blockingWait`: what the blocking driver waits on instead (an fd, say), if it
   * can (true); the event loop pauses on a timer, its thread free meanwhile.
   */
  | { op: 'pause'; ms: number; blockingWait?: () => boolean }
  /** Opens `file` O_RDONLY|O_NONBLOCK: result the fd; throws the open's error. */
  | { op: 'open-fifo'; file: string }
  /**
   * Reads the FIFO `fd` to end-of-file, leaving it open (the caller closes it): result the text. `pid`/`startTime`: the
   * writer-to-be, whose death ends the read when the FIFO cannot tell (eventLoop).
   */
  | { op: 'read-fifo'; fd: number; pid: number; startTime: string }
  /** Closes an fd (on the thread pool where the driver has one: a last close may free an inode). */
  | { op: 'close'; fd: number };

/** A failed call of an op over many paths: Node's error for that path (code: the errno's name). */
export type Outcome = NodeJS.ErrnoException | null;

export type Steps<T> = Generator<Op, T, unknown>;

export interface Waits {
  /** True for the blocking driver (the CLI); a verb may also choose where other work runs by it. */
  readonly blocking: boolean;
  /** Runs the steps to their end. */
  run<T>(steps: Steps<T>): Promise<T>;
}

// ---------------------------------------------------------------- the blocking driver

function tryEach(paths: string[], call: (p: string) => void): Outcome[] {
  return paths.map((p) => {
    try {
      call(p);
      return null;
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
  });
}

/** open(O_WRONLY|O_TRUNC) + write: a file the kernel provides (src/cgroups/cgroupfs.ts says why). */
export function writeExisting(file: string, value: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

export const sleepMs = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Reads with blocking reads: each returns exactly when the writer writes, execs (its end is
 * close-on-exec) or dies - no timer, no thread pool.
 */
function readToEndBlocking(fd: number): string {
  addon().setBlocking(fd);
  const chunk = Buffer.alloc(4096);
  let got = '';
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return got;
    got += chunk.toString('utf8', 0, n);
  }
}

function doBlocking(op: Op): unknown {
  switch (op.op) {
    case 'rmdir':
      return tryEach(op.dirs, (d) => fs.rmdirSync(d));
    case 'write':
      return tryEach(op.files, (f) => writeExisting(f, op.value));
    case 'write-detached':
      tryEach(op.files, (f) => writeExisting(f, op.value));
      return [];
    case 'pause':
      if (!op.blockingWait?.()) sleepMs(op.ms);
      return undefined;
    case 'open-fifo':
      return fs.openSync(op.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    case 'read-fifo':
      return readToEndBlocking(op.fd);
    case 'close':
      fs.closeSync(op.fd);
      return undefined;
  }
}

/** Runs the steps on this thread, to their end: for synchronous callers (and the blocking driver). */
export function runBlocking<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = doBlocking(next.value);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

export const blockingWaits: Waits = {
  blocking: true,
  run: <T>(steps: Steps<T>) => {
    try {
      return Promise.resolve(runBlocking(steps));
    } catch (e) {
      return Promise.reject(e);
    }
  },
};

// ---------------------------------------------------------------- the event-loop driver

/** An fsBatch result as Node's fs reports an error: `code` the errno's name. */
function batchOutcomes(results: ({ errno: string; message: string } | null)[]): Outcome[] {
  return results.map((r) => (r === null ? null : Object.assign(new Error(`${r.errno}: ${r.message}`), { code: r.errno })));
}

/** One native batch on the thread pool (addon fsBatch): no request and promise per path here. */
const batch = (op: 'write' | 'rmdir', paths: string[], value: string): Promise<Outcome[]> =>
  new Promise((resolve) => addon().fsBatch(op, paths, value, (results) => resolve(batchOutcomes(results))));

const LIVENESS_CHECK_MS = 50;

/**
 * Reads the FIFO (non-blocking) as the event loop says it is readable (addon watchReadable: a libuv
 * poll, as the sync socket is read) until end-of-file. No net.Socket: making one per container
 * (stream state, handle wrap) cost the JS thread ~0.2 ms here. End-of-file arrives only once a
 * writer came and went: a writer that died before it opened its end is seen by a liveness check
 * on a timer, the one case the fd cannot tell.
 */
function readToEndOnLoop(fd: number, pid: number, startTime: string): Promise<string> {
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
      if (error) reject(error);
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
      if (got.length > 0 || isSameLiveProcess(pid, startTime)) return;
      // The writer is gone. It may have written and exec'd (and its process exited) before the
      // event loop read the FIFO: timers run before the poll phase. Read what is there now; a
      // FIFO that no writer ever opened reads end-of-file at once.
      try {
        if (!drain()) return; // a writer still has it open
      } catch {
        // unreadable: finished as if at end-of-file, as the caller then checks the writer
      }
      finish();
    }, LIVENESS_CHECK_MS);
  });
}

function doOnLoop(op: Op): Promise<unknown> {
  switch (op.op) {
    case 'rmdir':
      return batch('rmdir', op.dirs, '');
    case 'write':
      return batch('write', op.files, op.value);
    case 'write-detached':
      void batch('write', op.files, op.value);
      return Promise.resolve([]);
    case 'pause':
      return new Promise((resolve) => setTimeout(resolve, op.ms));
    case 'open-fifo':
      // On the thread pool: the open wakes the init blocked in its own open (~0.7 ms here).
      return new Promise((resolve, reject) => fs.open(op.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (e, fd) => (e ? reject(e) : resolve(fd))));
    case 'read-fifo':
      return readToEndOnLoop(op.fd, op.pid, op.startTime);
    case 'close':
      return new Promise<void>((resolve) => fs.close(op.fd, () => resolve()));
  }
}

export const eventLoopWaits: Waits = {
  blocking: false,
  async run<T>(steps: Steps<T>): Promise<T> {
    let next = steps.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = await doOnLoop(next.value);
      } catch (e) {
        next = steps.throw(e);
        continue;
      }
      next = steps.next(result);
    }
    return next.value;
  },
};

/** The driver of a Runtime's `blockingWaits` option. */
export const waitsFor = (blocking: boolean): Waits => (blocking ? blockingWaits : eventLoopWaits);
