// --pidfd-socket (runc 1.2): a pidfd of the container's process, sent over a unix socket with
// SCM_RIGHTS (the protocol of --console-socket), so that a supervisor can wait for and signal that
// process without the pid-reuse race. The socket is connected before anything is made: a socket
// nobody listens on fails the verb with nothing left behind.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';
import { openPidfd } from '../process/wait';

// exec opens the pidfd as soon as the pid is known, through this (lazily loaded) module.
export { openPidfd };

export function connectPidfdSocket(file: string): number {
  try {
    return addon().connectUnix(file);
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--pidfd-socket ${file} is not a listening unix socket: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Sends `pidfd` (or a new pidfd of `pid`) over the connected `socketFd`, then closes both. A
 * process already gone has no pidfd to send: the socket is closed without a message.
 */
export function sendPidfd(socketFd: number, pid: number, opened = -1): void {
  try {
    const pidfd = opened >= 0 ? opened : openPidfd(pid);
    if (pidfd < 0) return;
    try {
      addon().sendFd(socketFd, pidfd, 'pidfd');
    } finally {
      fs.closeSync(pidfd);
    }
  } catch (e) {
    throw new TsruncError('SYSTEM', `cannot send a pidfd of process ${pid} to --pidfd-socket: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.closeSync(socketFd);
  }
}
