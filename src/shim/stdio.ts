// A process's stdio as containerd names it (CreateTaskRequest/ExecProcessRequest stdin, stdout,
// stderr): FIFO paths (what ctr and the CRI plugin give), `file://PATH` (append to a file) or
// `binary://PATH?args` (a logging program reading fds 3 and 4), or "" for none.
//
// Without a terminal the FIFOs themselves become the process's fds 0-2: no copy through the shim
// at all (the runc shim copies through pipes), so a container's output costs the shim nothing and
// there is nothing to drain when it exits. With a terminal the shim holds the pty master and copies
// between it and the FIFOs, and the exit is reported once the master's output is copied.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { addon } from '../native/addon';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_CREAT, O_APPEND, O_CLOEXEC } = fs.constants as typeof fs.constants & { O_CLOEXEC: number };
const CLOEXEC = O_CLOEXEC ?? 0o2000000;

export interface StdioPaths {
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
}

type Slot = number | 'ignore';

/** How long an exit waits for the rest of a terminal's output (a background process may hold it). */
const DRAIN_MS = 2000;

function openFifoForWriting(file: string): number {
  try {
    // Non-blocking: a FIFO nobody reads fails at once (ENXIO) instead of hanging the shim.
    const fd = fs.openSync(file, O_WRONLY | O_NONBLOCK | CLOEXEC);
    addon().setBlocking(fd); // the process's writes must block, not fail with EAGAIN
    return fd;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
    // No reader yet (a client that opens its end later): read-write never blocks the open.
    const fd = fs.openSync(file, O_RDWR | CLOEXEC);
    return fd;
  }
}

function openOutput(uri: string): number {
  if (uri.startsWith('file://')) {
    const file = decodeURIComponent(new URL(uri).pathname);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, O_WRONLY | O_CREAT | O_APPEND | CLOEXEC, 0o640);
  }
  const file = uri.startsWith('fifo://') ? uri.slice('fifo://'.length) : uri;
  return openFifoForWriting(file);
}

/** The stdio of one process, and what the shim does with it while the process lives. */
export class ProcessIO {
  /** fds 0-2 for the process (closed here once it has them: closeGiven). */
  readonly slots: [Slot, Slot, Slot] = ['ignore', 'ignore', 'ignore'];
  /** With a terminal: the shim's end of the socket the pty master comes back on. */
  consoleOurs = -1;
  /** With a terminal: the end tsrunc-init gets. */
  consoleTheirs = -1;
  private master = -1;
  private stdinFd = -1;
  private stdoutFd = -1;
  private stdinWatch: { close(): void } | undefined;
  private outputDone: Promise<void> = Promise.resolve();
  private loggers: { kill(): void }[] = [];

  constructor(readonly paths: StdioPaths) {}

  /** Opens everything before the process exists; on failure nothing stays open. */
  async open(id: string, namespace: string): Promise<void> {
    const { stdin, stdout, stderr, terminal } = this.paths;
    try {
      if (terminal) {
        [this.consoleOurs, this.consoleTheirs] = addon().socketpair();
        if (stdin) this.stdinFd = fs.openSync(stdin, O_RDWR | O_NONBLOCK | CLOEXEC); // read-write: never EOF between clients
        if (stdout) this.stdoutFd = openOutput(stdout);
        return;
      }
      if (stdin) {
        // The FIFO itself is the process's stdin: it reads end-of-file once the client closes its end.
        const fd = fs.openSync(stdin, O_RDONLY | O_NONBLOCK | CLOEXEC);
        addon().setBlocking(fd);
        this.slots[0] = fd;
      }
      if (stdout.startsWith('binary://')) {
        const [out, err] = await startLogger(stdout, id, namespace, this.loggers);
        this.slots[1] = out;
        this.slots[2] = err;
        return;
      }
      if (stdout) this.slots[1] = openOutput(stdout);
      if (stderr) this.slots[2] = stderr === stdout && typeof this.slots[1] === 'number' ? this.slots[1] : openOutput(stderr);
    } catch (e) {
      this.closeGiven();
      this.close();
      throw e;
    }
  }

  /** The process has its copies: the shim's are closed (so end-of-file reaches the readers). */
  closeGiven(): void {
    const seen = new Set<number>();
    for (const s of this.slots) {
      if (typeof s === 'number' && !seen.has(s)) {
        seen.add(s);
        fs.closeSync(s);
      }
    }
    this.slots.fill('ignore');
    if (this.consoleTheirs >= 0) fs.closeSync(this.consoleTheirs);
    this.consoleTheirs = -1;
  }

  /** With a terminal, after the process was created: take the master and start copying. */
  attachTerminal(): void {
    if (this.consoleOurs < 0) return;
    const got = addon().recvFd(this.consoleOurs);
    fs.closeSync(this.consoleOurs);
    this.consoleOurs = -1;
    if (!got) throw new Error('the container process did not send its terminal');
    this.master = got.fd;
    const master = this.master;
    if (this.size) addon().setWindowSize(master, this.size[1], this.size[0]);
    if (this.stdinFd >= 0) {
      const stdinFd = this.stdinFd;
      const buffer = Buffer.allocUnsafe(32768);
      this.stdinWatch = addon().watchReadable(stdinFd, () => {
        for (;;) {
          let n: number;
          try {
            n = fs.readSync(stdinFd, buffer, 0, buffer.length, null);
          } catch {
            return; // EAGAIN: all read
          }
          if (n <= 0) return;
          try {
            fs.writeSync(master, buffer, 0, n);
          } catch {
            return;
          }
        }
      });
    }
    const out = this.stdoutFd;
    addon().setBlocking(master);
    // Blocking reads on the thread pool (see src/runtime/terminal.ts for why not a tty stream):
    // EIO comes only once every slave fd is closed and the pty is drained.
    this.outputDone = new Promise<void>((resolve) => {
      const buffer = Buffer.allocUnsafe(65536);
      const copy = (): void => {
        fs.read(master, buffer, 0, buffer.length, null, (err, n) => {
          if (err || n === 0) return resolve();
          if (out < 0) return copy();
          fs.write(out, buffer, 0, n, null, (werr) => (werr ? resolve() : copy()));
        });
      };
      copy();
    });
  }

  /** A size asked for before the master arrived (ctr resizes an exec before it starts it). */
  private size: [number, number] | undefined;

  resize(width: number, height: number): void {
    if (!this.paths.terminal) throw new Error('the process has no terminal');
    this.size = [width, height];
    if (this.master >= 0) addon().setWindowSize(this.master, height, width);
  }

  /** CloseIO(stdin): the client has no more input. */
  closeStdin(): void {
    this.stdinWatch?.close();
    this.stdinWatch = undefined;
    if (this.stdinFd >= 0) fs.closeSync(this.stdinFd);
    this.stdinFd = -1;
  }

  /** Once the process exited: resolves when its terminal output is copied (bounded). */
  drained(): Promise<void> {
    return Promise.race([this.outputDone, new Promise<void>((r) => setTimeout(r, DRAIN_MS).unref())]);
  }

  close(): void {
    this.closeStdin();
    for (const fd of [this.consoleOurs, this.consoleTheirs, this.stdoutFd]) if (fd >= 0) fs.closeSync(fd);
    this.consoleOurs = this.consoleTheirs = this.stdoutFd = -1;
    // The master is closed by the copy's end (EIO) or here.
    if (this.master >= 0) {
      try {
        fs.closeSync(this.master);
      } catch {
        // closed already
      }
      this.master = -1;
    }
  }
}

/**
 * binary://PATH?key=value: containerd's logging driver protocol. The program gets the process's
 * stdout on fd 3 and stderr on fd 4, CONTAINER_ID and CONTAINER_NAMESPACE, and closes fd 5 (or
 * writes to it) when it is ready; the process is created only then.
 */
async function startLogger(uri: string, id: string, namespace: string, loggers: { kill(): void }[]): Promise<[number, number]> {
  const url = new URL(uri);
  const program = decodeURIComponent(url.pathname);
  const args: string[] = [];
  url.searchParams.forEach((value, key) => args.push(key, value));
  const a = addon();
  const [outOurs, outTheirs] = a.socketpair();
  const [errOurs, errTheirs] = a.socketpair();
  const [readyOurs, readyTheirs] = a.socketpair();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  try {
    const child = spawn(program, args, {
      stdio: ['ignore', 'ignore', 'ignore', outOurs, errOurs, readyTheirs],
      env: { ...process.env, CONTAINER_ID: id, CONTAINER_NAMESPACE: namespace },
      detached: true,
    });
    child.unref();
    loggers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      fs.closeSync(readyTheirs);
      const watch = a.watchReadable(readyOurs, () => {
        watch.close();
        resolve();
      });
    });
    return [outTheirs, errTheirs];
  } catch (e) {
    fs.closeSync(outTheirs);
    fs.closeSync(errTheirs);
    throw e;
  } finally {
    for (const fd of [outOurs, errOurs, readyOurs]) fs.closeSync(fd);
  }
}
