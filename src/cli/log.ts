// runc's logging contract: `--log FILE --log-format text|json`. Clients (containerd) read the
// JSON lines ({"level","msg","time"}) and show `msg` to their user, so every error lands there.
// Without --log the same lines go to stderr; with --log stderr still gets the bare message.
import type { Logger } from '../index';
import { addon } from '../native/addon';

export type LogFormat = 'text' | 'json';
type Level = 'debug' | 'info' | 'warning' | 'error';

export interface CliLogOptions {
  log?: string;
  logFormat?: LogFormat;
  debug?: boolean;
}

export class CliLogger implements Logger {
  constructor(private readonly options: CliLogOptions) {}

  /** The line's format and where it goes are the native core's (writeLogLine), which the front-end shares. */
  private write(level: Level, msg: string): void {
    addon().writeLogLine(level, msg, this.options.logFormat ?? 'text', this.options.log ?? '');
  }

  debug(msg: string): void {
    if (this.options.debug) this.write('debug', msg);
  }

  warn(msg: string): void {
    this.write('warning', msg);
  }

  error(msg: string): void {
    this.write('error', msg);
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
