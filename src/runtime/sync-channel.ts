// tsrunc's end of the sync socket with tsrunc-init. The protocol, its numbered steps and the fds
// that travel beside it are drawn at the top of native/init/sync.h; each step is marked
// `// sync step N` where create.ts and start.ts send or await it.
import * as fs from 'node:fs';

import { errnoName, TsruncError } from '../errors';
import { addon } from '../native/addon';
import { checkFromInit, SYNC_STEPS, type FromInit, type ToInit } from '../generated/contract';
import type { SyncError, SyncHooks, SyncPid, SyncReady } from '../generated/plan';

// The steps, the messages' types and the check of a received one are generated from
// src/plan/contract.json and plan.schema.json's Sync* definitions, as tsrunc-init's are.
export { SYNC_STEPS, type FromInit, type ToInit };

/** A step's message from the init. */
export type InitStep = SyncPid | SyncHooks | SyncReady;

/** The init's failure, sent in place of step 2, 4 or 6. */
export type InitFailure = SyncError;

/**
 * The init side closed the socket before the step awaited: it died (an OOM kill, a signal) or
 * exec'd early. Its own type, so that a caller tells it from a failure the init reported.
 */
export class InitExitedError extends TsruncError {
  constructor(readonly step: keyof typeof SYNC_STEPS) {
    super('SETUP_FAILED', `container init exited before ${describeStep(step)} of its setup`);
    this.name = 'InitExitedError';
  }
}


function describeStep(type: keyof typeof SYNC_STEPS): string {
  return `step ${SYNC_STEPS[type]} (${type})`;
}

function protocolError(expected: InitStep['type'], received: string): TsruncError {
  return new TsruncError('PROTOCOL', `sync protocol: expected ${describeStep(expected)} from tsrunc-init, received ${received}`);
}

/** Checks a line against FromInit; a description of what it is instead when it does not fit. */
function parseMessage(line: string): FromInit | string {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return `a malformed message: ${line.slice(0, 200)}`;
  }
  if (typeof m !== 'object' || m === null || typeof (m as { type?: unknown }).type !== 'string') return `a message without a type: ${line.slice(0, 200)}`;
  const checked = checkFromInit(m as Record<string, unknown>);
  if (typeof checked !== 'string') return checked;
  const type = (m as { type: string }).type;
  const what = type in SYNC_STEPS ? describeStep(type as keyof typeof SYNC_STEPS) : `"${type}"`;
  return `${what}: ${checked}: ${line.slice(0, 200)}`;
}

export class SyncChannel {
  private buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private closed = false;
  /** Why the init side is gone, when it never started. */
  private failure: TsruncError | null = null;
  /** Readable events of the socket from the event loop (no net.Socket: see launch.ts). */
  private readonly watch: { close(): void };

  /**
   * `fd`: this side of the sync socketpair (blocking; read only once the loop says it is readable).
   * `failurePrefix`: how the init's failures are introduced ("container init failed").
   */
  constructor(private readonly fd: number, private readonly failurePrefix = 'container init failed') {
    this.watch = addon().watchReadable(fd, () => this.onReadable());
  }

  send(message: ToInit): void {
    const data = Buffer.from(JSON.stringify(message) + '\n');
    try {
      for (let off = 0; off < data.length;) off += fs.writeSync(this.fd, data, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The init is gone: the next expect() reports it from end-of-file.
      if (code !== 'EPIPE' && code !== 'ECONNRESET') throw new TsruncError('SYSTEM', `sync protocol: cannot send ${message.type} to tsrunc-init: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Awaits step `type` and returns its message. Throws SETUP_FAILED when the init failed (with the
   * config field's pointer) or went away, PROTOCOL when it sent anything else.
   */
  async expect<T extends InitStep['type']>(type: T): Promise<Extract<InitStep, { type: T }>> {
    const m = await this.next();
    if (m === null && this.failure) throw this.failure;
    if (m === null) throw new InitExitedError(type);
    if (typeof m === 'string') throw protocolError(type, m);
    if (m.type === 'error') throw initFailed(m, this.failurePrefix);
    if (m.type !== type) throw protocolError(type, describeStep(m.type));
    return m as Extract<InitStep, { type: T }>;
  }

  /**
   * An exec after step 2: end-of-file means the process exec'd (every copy of the socket is
   * close-on-exec); an "error" message, that it failed on the way.
   */
  async execed(): Promise<void> {
    const m = await this.next();
    if (m === null && this.failure) throw this.failure;
    if (m === null) return;
    if (typeof m === 'string') throw new TsruncError('PROTOCOL', `sync protocol: expected end-of-file after step 2 of an exec, received ${m}`);
    if (m.type === 'error') throw initFailed(m, this.failurePrefix);
    throw new TsruncError('PROTOCOL', `sync protocol: expected end-of-file after step 2 of an exec, received ${describeStep(m.type)}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch.close();
    fs.closeSync(this.fd);
    this.onEnd();
  }

  /** The init could not be started: every later expect() throws `error`. */
  abort(error: TsruncError): void {
    this.failure = error;
    this.onEnd();
  }

  /**
   * The next message; what was received instead when it is none the init sends; null when the
   * init side closed the socket (it died or exec'd).
   */
  private async next(): Promise<FromInit | string | null> {
    const line = this.lines.shift() ?? (this.ended ? null : await new Promise<string | null>((resolve) => (this.waiter = resolve)));
    return line === null ? null : parseMessage(line);
  }

  private onReadable(): void {
    const chunk = Buffer.allocUnsafe(65536);
    let n: number;
    try {
      n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') return;
      // ECONNRESET: the init side is gone, which is end-of-file. Any other error is this side's,
      // and the next expect() reports it as such.
      if (code !== 'ECONNRESET') this.failure = new TsruncError('SYSTEM', `sync protocol: cannot read from tsrunc-init: ${(e as Error).message}`, { cause: e, errno: code, syscall: 'read' });
      n = 0;
    }
    if (n === 0) {
      this.watch.close();
      this.onEnd();
      return;
    }
    // Lines end at a 0x0a byte, which no multi-byte UTF-8 sequence contains.
    this.buffer = Buffer.concat([this.buffer, chunk.subarray(0, n)]);
    let nl: number;
    while ((nl = this.buffer.indexOf(10)) >= 0) {
      const line = this.buffer.subarray(0, nl).toString('utf8');
      this.buffer = this.buffer.subarray(nl + 1);
      this.deliver(line);
    }
  }

  private onEnd(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }

  private deliver(line: string): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(line);
    } else {
      this.lines.push(line);
    }
  }
}

function initFailed(m: InitFailure, prefix: string): TsruncError {
  const where = m.pointer ? ` (config.json ${m.pointer})` : '';
  return new TsruncError('SETUP_FAILED', `${prefix}: ${m.message}${where}`, { pointer: m.pointer || undefined, errno: errnoName(m.errno) });
}
