// Typed errors. Every error the runtime reports is one of these, so the CLI can print a
// runc-style message and exit code, and library users can branch on `code`.

export type ErrorCode =
  | 'CONFIG_INVALID'      // config.json breaks the schema or a semantic rule
  | 'BUNDLE_INVALID'      // bundle dir / config.json missing or unreadable
  | 'NOT_SUPPORTED'       // valid per spec, not implemented by tsrunc yet
  | 'CONTAINER_EXISTS'
  | 'CONTAINER_NOT_FOUND'
  | 'INVALID_ID'
  | 'INVALID_STATE'       // e.g. start on a running container
  | 'INVALID_ARGUMENT'    // bad command-line input (unknown signal, ...)
  | 'SETUP_FAILED'        // the init process failed while building the container
  | 'PROTOCOL'            // tsrunc-init sent a message other than the sync step expected
  | 'STATE_CORRUPT'       // a state file that is torn, empty or not tsrunc's: never trusted
  | 'IMAGE_INVALID'       // an image, layer or tar entry that is malformed, hostile or fails its digest
  | 'SYSTEM';             // unexpected OS error

export class TsruncError extends Error {
  readonly code: ErrorCode;
  /** JSON pointer into config.json (RFC 6901) when the error is about one field. */
  readonly pointer?: string;
  /** For an OS error: its errno name ('ENOENT', ...) and the failing call. */
  readonly errno?: string;
  readonly syscall?: string;
  constructor(code: ErrorCode, message: string, options: { pointer?: string; cause?: unknown; errno?: string; syscall?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TsruncError';
    this.code = code;
    this.pointer = options.pointer;
    this.errno = options.errno;
    this.syscall = options.syscall;
  }
}

/**
 * An OS error (fs, child process) as a TsruncError whose message names what was being done and on
 * which path: "cannot read /run/tsrunc/x/state.json: EACCES: permission denied". The errno name
 * stays readable on `cause.code`. A TsruncError passes through unchanged.
 */
export function systemError(what: string, e: unknown, code: ErrorCode = 'SYSTEM'): TsruncError {
  if (e instanceof TsruncError) return e;
  const err = e as NodeJS.ErrnoException;
  // Node appends ", <syscall> '<path>'" to fs messages; `what` already says both.
  const reason = err?.syscall ? String(err.message).replace(/, \w+ '.*'$/, '') : String(err?.message ?? e);
  return new TsruncError(code, `${what}: ${reason}`, { cause: e });
}

/** Any thrown value as a TsruncError: a TsruncError as is, anything else SYSTEM, same message, as `cause`. */
export function asTsruncError(e: unknown): TsruncError {
  if (e instanceof TsruncError) return e;
  return new TsruncError('SYSTEM', e instanceof Error ? e.message : String(e), { cause: e });
}

/** One problem found in a config: where, and why. */
export interface ConfigProblem {
  pointer: string;   // "" is the document root
  message: string;
}

/** A config rejected before anything was created. Carries every problem found. */
export class ConfigError extends TsruncError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const first = problems[0];
    const text = problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; ');
    super('CONFIG_INVALID', `invalid config.json: ${text}`, { pointer: first?.pointer });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Why a path named in config.json could not be stat()ed, in the words its error message uses:
 * "does not exist", or "cannot be accessed (ELOOP)" for the rest (ENAMETOOLONG, EACCES, ...).
 */
export function statFailureReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be accessed (${code ?? String(e)})`;
}

/** Builds a JSON pointer from path segments, escaping as RFC 6901 says. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** errno 2 -> 'ENOENT' (the name TsruncError.errno carries); undefined for 0 or an unknown one. */
export function errnoName(errno: number): string | undefined {
  if (errno <= 0) return undefined;
  // Loaded only for a failure: start, kill, state and delete never load node:os (test/62).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { constants } = require('node:os') as typeof import('node:os');
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
}
