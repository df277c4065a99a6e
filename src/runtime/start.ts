// start: release a created container (sync steps 7 and 8 of native/init/sync.h). Its init is
// blocked opening exec.fifo for writing; opening the read side lets it through. It writes "0",
// runs the startContainer hooks and execs the user's process; its write end is close-on-exec, so
// end-of-file on the FIFO means the exec happened. Only then do the poststart hooks run. On a
// failure on the way the init writes "e<message>" instead.
import * as fs from 'node:fs';

import { crashPoint } from '../crash-point';

import { systemError, TsruncError } from '../errors';
import type { Logger } from '../logger';
import { isSameLiveProcess } from '../process/proc';
import { waitGone } from '../process/wait';
import type { Steps, Waits } from '../process/waits';
import type { StoredState } from '../state/store';
import { withContainer } from './container';
import { hookState, runHooks } from './hooks';
import { signalContainer } from './kill';

const SIGKILL = 9;

const START_TIMEOUT_MS = 10_000;

/**
 * Opens the FIFO (non-blocking: it never hangs, even if the init died an instant ago) and reads
 * it until the init closes it; returns everything it wrote. The init is already blocked opening
 * its end, so this takes as long as its startContainer hooks. The container's lock stays held
 * meanwhile: another verb of this process on it gets a "busy" error (store.ts), not a hang. The
 * one case a timer remains for is rare: end-of-file before anything was written while the init
 * lives means it has not reached its open of the FIFO yet (create returns after sync step 6, an
 * instant before), or our open woke it but its open has not returned yet; the same fd is then read
 * again after a short pause, bounded overall. The read side stays open all along: closed between
 * tries, the init's open (woken by ours) could return into a FIFO without a reader, and its write
 * of "0" would kill it with SIGPIPE, a start that fails as "exited before it could be started".
 */
function* readUntilExec(fifo: string, stored: StoredState): Steps<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let fd: number;
  try {
    fd = (yield { op: 'open-fifo', file: fifo }) as number; // sync step 7
  } catch (e) {
    throw systemError(`cannot open ${fifo}`, e);
  }
  try {
    crashPoint('start:opened');
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      let got: string;
      try {
        got = (yield { op: 'read-fifo', fd, pid: stored.pid, startTime: stored.pidStartTime }) as string;
      } catch (e) {
        throw systemError(`cannot read ${fifo}`, e);
      }
      if (got.length > 0) return got;
      if (!isSameLiveProcess(stored.pid, stored.pidStartTime)) {
        throw new TsruncError('INVALID_STATE', 'container init exited before it could be started');
      }
      if (Date.now() > deadline) throw new TsruncError('SYSTEM', 'timed out waiting for the container init to start');
      yield { op: 'pause', ms: delay };
    }
  } finally {
    yield { op: 'close', fd };
  }
}

export function start(root: string, id: string, logger: Logger, waits: Waits): Promise<void> {
  return withContainer(root, id, {}, async (c) => {
    const stored = c.stored;
    const status = c.status();
    if (status === 'stopped') throw new TsruncError('INVALID_STATE', 'cannot start a container that has stopped');
    if (status !== 'created') throw new TsruncError('INVALID_STATE', 'cannot start an already running container');
    logger.debug(`start ${id}: opening exec.fifo to release init pid ${stored.pid}`);
    // sync step 8: "0", then end-of-file or "e<message>"
    const said = await waits.run(readUntilExec(c.dir.fifoPath, stored));
    crashPoint('start:released');
    try {
      fs.unlinkSync(c.dir.fifoPath);
    } catch (e) {
      throw systemError(`cannot remove ${c.dir.fifoPath}`, e);
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
  });
}
