// start: release a created container. Its init is blocked opening exec.fifo for writing;
// opening the read side lets it through, it writes one byte and execs the user's process.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { isSameLiveProcess } from '../process/proc';
import { sleep } from '../process/wait';
import { ContainerDir } from '../state/store';
import { deriveStatus } from './status';

const START_TIMEOUT_MS = 10_000;

export async function start(root: string, id: string): Promise<void> {
  const dir = ContainerDir.open(root, id);
  try {
    const stored = dir.read();
    const status = deriveStatus(dir, stored);
    if (status === 'stopped') throw new TsruncError('INVALID_STATE', `cannot start a container that has stopped`);
    if (status !== 'created') throw new TsruncError('INVALID_STATE', `cannot start an already running container`);
    // Non-blocking open: it never hangs, even if the init died an instant ago.
    const fd = fs.openSync(dir.fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const byte = Buffer.alloc(1);
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
        let n = 0;
        try {
          n = fs.readSync(fd, byte, 0, 1, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        if (n === 1) break;
        // 0 bytes: the init has not finished opening its end yet, or it died.
        if (!isSameLiveProcess(stored.pid, stored.pidStartTime)) {
          throw new TsruncError('INVALID_STATE', 'container init exited before it could be started');
        }
        if (Date.now() > deadline) throw new TsruncError('SYSTEM', 'timed out waiting for the container init to start');
        await sleep(delay);
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.unlinkSync(dir.fifoPath);
  } finally {
    dir.unlock();
  }
}
