// runc's logging contract: `--log FILE --log-format text|json`. Clients (containerd) read the
// JSON lines ({"level","msg","time"}) and show `msg` to their user, so every error lands there.
// Without --log the same lines go to stderr; with --log stderr still gets the bare message.
import * as fs from 'node:fs';

import type { Logger } from '../index';
import { utcTimestamp } from '../utc-time';

export type LogFormat = 'text' | 'json';
type Level = 'debug' | 'info' | 'warning' | 'error';

export interface CliLogOptions {
  log?: string;
  logFormat?: LogFormat;
  debug?: boolean;
}

function timestamp(): string {
  return utcTimestamp(Date.now(), { millis: false });
}

function format(level: Level, msg: string, fmt: LogFormat): string {
  if (fmt === 'json') return JSON.stringify({ level, msg, time: timestamp() }) + '\n';
  return `time="${timestamp()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export class CliLogger implements Logger {
  constructor(private readonly options: CliLogOptions) {}

  private write(level: Level, msg: string): void {
    const line = format(level, msg, this.options.logFormat ?? 'text');
    if (this.options.log) {
      try {
        // Appended (never truncated), and not through a symlink at the log's own name: the log's
        // directory is the caller's, and a planted link would have tsrunc append JSON lines to
        // whatever file it names (runc follows it).
        const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
        const fd = fs.openSync(this.options.log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o644);
        try {
          fs.writeSync(fd, line);
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        // the log is best effort; the exit code still tells the story
      }
    } else {
      // Synchronous write to fd 2: Node's process.stderr may flip the (shared) pipe to
      // non-blocking mode, which the container inherits.
      fs.writeSync(2, line);
    }
  }

  debug(msg: string): void {
    if (this.options.debug) this.write('debug', msg);
  }

  warn(msg: string): void {
    this.write('warning', msg);
  }

  error(msg: string): void {
    this.write('error', msg);
    if (this.options.log) fs.writeSync(2, msg + '\n');
  }
}

/**
 * With --debug, what kind of error a failure was: a TsruncError's code, and for one that wraps
 * something unexpected (the Runtime API turns any exception into a TsruncError SYSTEM with the
 * same message) the original's name and stack. A bug in tsrunc (a TypeError) then reads as one,
 * not as an answer; the fuzz tests (test/torture/3x) run the CLI with --debug to catch those.
 */
export function debugError(logger: CliLogger, e: unknown): void {
  if (!(e instanceof Error)) return;
  const code = (e as { code?: unknown }).code;
  const cause = e.cause;
  let text = `${e.name}${typeof code === 'string' ? ` ${code}` : ''}`;
  if (cause instanceof Error) {
    // An OS error's stack only says which call failed, which the message already does.
    const errno = (cause as NodeJS.ErrnoException).code;
    text += ` caused by ${cause.name}${errno ? ` ${errno}` : ''}: ${errno ? cause.message : cause.stack ?? cause.message}`;
  }
  logger.debug(`error: ${text}`);
}
