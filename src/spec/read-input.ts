// Reading what a caller hands tsrunc as a document: config.json, an `exec --process` file,
// `update --resources` (a file, or stdin for "-"). Each is bounded: a document past the limit is
// refused with a clear error before it is read whole (`-p /dev/zero` once grew the process to
// 880 MiB and aborted it), and a path where a file is expected must name a regular file (a FIFO
// or a device would block or never end). The limit is far above any real config (Docker's and
// podman's, with their seccomp profiles, are below 100 KiB).
import * as fs from 'node:fs';

export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Why an input was refused: tooBig, notRegular, or the OS error of open/read. */
export class InputError extends Error {
  /** As an OS error's: the errno name (EFBIG for too big, EINVAL for not a regular file). */
  readonly code: string;
  constructor(message: string, readonly reason: 'tooBig' | 'notRegular' | 'os', readonly errno?: string) {
    super(message);
    this.name = 'InputError';
    this.code = errno ?? (reason === 'tooBig' ? 'EFBIG' : 'EINVAL');
  }
}

function readBounded(fd: number, limit: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      throw new InputError(`cannot read: ${(e as Error).message}`, 'os', code);
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > limit) throw new InputError(`is larger than ${limit} bytes`, 'tooBig');
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/**
 * The text of `source`: a path (must be a regular file), or fd 0 for stdin (any kind: a pipe is
 * what Docker gives). At most `limit` bytes. Throws InputError.
 */
export function readInput(source: string | 0, limit = MAX_INPUT_BYTES): string {
  if (source === 0) return readBounded(0, limit);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
    fd = fs.openSync(source, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError((e as Error).message, 'os', (e as NodeJS.ErrnoException).code);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new InputError('is a directory, not a file', 'notRegular', 'EISDIR');
    if (!st.isFile()) throw new InputError('is not a regular file', 'notRegular');
    if (st.size > limit) throw new InputError(`is larger than ${limit} bytes (${st.size})`, 'tooBig');
    return readBounded(fd, limit);
  } finally {
    fs.closeSync(fd);
  }
}
