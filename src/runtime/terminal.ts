// The foreground terminal: with process.terminal and no --console-socket, `run` and `exec -t`
// keep the pty master themselves and connect it to their own stdio, as runc does: the caller's
// terminal goes raw while the process runs (so Ctrl-C, Ctrl-Z and every key reach the container's
// line discipline, not tsrunc), window-size changes are forwarded, and the mode is restored after.
import * as fs from 'node:fs';
import type * as Tty from 'node:tty';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';

/**
 * node:tty, loaded only by the commands that use a terminal: it loads node:net and the streams
 * (about 10 ms of CPU at every start), and create/run of a container without a terminal import
 * this module for checkOwnTerminal only.
 */
function nodeTty(): typeof Tty {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:tty') as typeof Tty;
}

/**
 * The caller's terminal a foreground terminal process takes over (raw mode, window size), found as
 * runc 1.1 finds it (tty.go, initHostConsole): stderr, stdout or stdin, the first that is a
 * terminal, else the controlling terminal (/dev/tty), so that `run` works with stdin redirected.
 * The fd is 0-2, or one of /dev/tty that `opened` says to close.
 */
function hostConsole(): { fd: number; opened: boolean } {
  const tty = nodeTty();
  for (const fd of [2, 1, 0]) if (tty.isatty(fd)) return { fd, opened: false };
  try {
    return { fd: fs.openSync('/dev/tty', fs.constants.O_RDWR | fs.constants.O_NOCTTY), opened: true };
  } catch (e) {
    // runc's words ("open /dev/tty: no such device or address"), then what to do instead.
    const err = e as NodeJS.ErrnoException;
    const reason = /^[A-Z]+: ([^,]+)/.exec(err.message)?.[1] ?? err.message;
    throw new TsruncError('INVALID_ARGUMENT', `cannot allocate tty: open /dev/tty: ${reason} (tsrunc has no terminal on stdin, stdout or stderr: give --console-socket, or set process.terminal to false)`, { pointer: '/process/terminal', cause: e });
  }
}

/**
 * A terminal process in the foreground without a console socket takes the caller's terminal, so
 * there must be one: as runc, refuse rather than start a shell nobody can type into.
 */
export function checkOwnTerminal(): void {
  const found = hostConsole();
  if (found.opened) fs.closeSync(found.fd);
}

/**
 * Where a process's pty master goes, by runc's rules and in its words, one rule for create, run
 * and exec: nowhere without process.terminal; else to --console-socket, to the caller's socket
 * (`consoleFd`: run's own terminal proxy, a library caller's), or, in the foreground, to tsrunc's
 * own console ('own', which needs a terminal to take over). `detach`: nothing of tsrunc stays to
 * hold a master (create always, exec -d, run -d). `ownTerminal`: `consoleFd` is tsrunc's own proxy.
 */
export function consoleRoute(terminal: boolean, o: { detach: boolean; consoleSocket?: string; consoleFd?: number; ownTerminal?: boolean }): 'none' | 'socket' | 'caller' | 'own' {
  if (terminal && o.detach && !o.consoleSocket && o.consoleFd === undefined) {
    throw new TsruncError('INVALID_ARGUMENT', 'cannot allocate tty if tsrunc will detach without setting console socket (/process/terminal is true)', { pointer: '/process/terminal' });
  }
  if (!terminal && o.consoleSocket) {
    throw new TsruncError('INVALID_ARGUMENT', 'cannot use console socket if tsrunc will not allocate tty (/process/terminal is false)', { pointer: '/process/terminal' });
  }
  if (!terminal) return 'none';
  if (o.consoleSocket) return 'socket';
  if (o.consoleFd !== undefined) {
    if (o.ownTerminal) checkOwnTerminal();
    return 'caller';
  }
  checkOwnTerminal();
  return 'own';
}

/** tsrunc's own console socket: one end goes to tsrunc-init, the master comes back on the other. */
export class OwnConsole {
  private ours: number;
  /** For tsrunc-init; closed by closeTheirs() once the helper has its copy. */
  theirs: number;

  constructor() {
    [this.ours, this.theirs] = addon().socketpair();
  }

  closeTheirs(): void {
    if (this.theirs >= 0) fs.closeSync(this.theirs);
    this.theirs = -1;
  }

  /** The master, which tsrunc-init sent before it reported success. */
  receive(): number {
    const got = addon().recvFd(this.ours);
    if (!got) throw new TsruncError('SYSTEM', 'the container process did not send its terminal');
    return got.fd;
  }

  close(): void {
    this.closeTheirs();
    if (this.ours >= 0) fs.closeSync(this.ours);
    this.ours = -1;
  }
}

export interface TerminalProxy {
  /** Stops copying, restores the caller's terminal; resolves once the output is written. */
  finish(): Promise<void>;
}

// After the process ends, how long to wait for the rest of its output: the copy ends by itself
// (EIO) once every slave fd is closed and the pty is drained; this bound only matters when a
// background process still holds the terminal.
const DRAIN_MS = 2000;

export function proxyTerminal(master: number): TerminalProxy {
  const stdin = process.stdin as NodeJS.ReadStream;
  const host = hostConsole();
  // runc's raw mode (cfmakeraw), not Node's setRawMode, which keeps output processing: the
  // container's pty already turns "\n" into "\r\n", and a second pass would double the "\r".
  const saved = addon().makeRaw(host.fd);
  // The window size is read from the same terminal: through stdout/stderr's own tty stream, or a
  // stream of its own over a fresh open of the terminal (stdin, /dev/tty).
  const sizeFd = host.fd === 1 || host.fd === 2 ? -1 : fs.openSync(host.opened ? '/dev/tty' : '/proc/self/fd/0', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const sizer: Tty.WriteStream = host.fd === 1 ? process.stdout as Tty.WriteStream : host.fd === 2 ? process.stderr as Tty.WriteStream : new (nodeTty().WriteStream)(sizeFd);
  const resize = () => {
    const [cols, rows] = sizer.getWindowSize();
    // A terminal without a size (0x0: a pty nobody sized, e.g. script(1) without a tty of its own)
    // would override process.consoleSize with nothing.
    if (!rows || !cols) return;
    try {
      addon().setWindowSize(master, rows, cols);
    } catch {
      // the pty is gone
    }
  };
  resize();
  process.on('SIGWINCH', resize);
  const input = (chunk: Buffer) => {
    try {
      fs.writeSync(master, chunk);
    } catch {
      // the process closed its terminal
    }
  };
  stdin.on('data', input);
  stdin.resume();
  // The output is copied with blocking reads on the thread pool, not a tty.ReadStream: libuv takes
  // a hang-up after a short read for end-of-file, and a pty master hands out at most 4095 bytes a
  // read, so everything still buffered when the container's last slave fd closed was lost. The
  // kernel drains the pty before a read returns EIO, so EIO here means all output was copied.
  addon().setBlocking(master);
  let ended: () => void;
  const outputEnded = new Promise<void>((resolve) => (ended = resolve));
  let copying = true;
  const buffer = Buffer.allocUnsafe(65536);
  const copy = (): void => {
    fs.read(master, buffer, 0, buffer.length, null, (err, n) => {
      if (err || n === 0 || !copying) return ended();
      process.stdout.write(Buffer.from(buffer.subarray(0, n)));
      copy();
    });
  };
  copy();
  return {
    async finish() {
      await Promise.race([outputEnded, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      copying = false;
      fs.closeSync(master);
      stdin.off('data', input);
      stdin.pause();
      addon().restoreTerminal(host.fd, saved);
      process.off('SIGWINCH', resize);
      if (sizeFd >= 0) sizer.destroy();
      if (host.opened) fs.closeSync(host.fd);
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    },
  };
}
