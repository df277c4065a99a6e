'use strict';
// The native addon throws the project's own error class (handed to it at load), with tsrunc's
// ErrorCode in `code` and the OS error apart from it in `errno` and `syscall`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('ava');
const { addon } = require('tsrunc/internal');
const { TsruncError } = require('tsrunc');

test('a failing syscall in the addon arrives as a TsruncError with code SYSTEM and the errno name apart', (t) => {
  const missing = path.join(os.tmpdir(), `tsrunc-no-such-dir-${process.pid}`, 'exec.fifo');
  const e = t.throws(() => addon().mkfifo(missing, 0o600), { instanceOf: TsruncError });
  t.is(e.code, 'SYSTEM');
  t.is(e.errno, 'ENOENT');
  t.is(e.syscall, 'mkfifo');
  t.is(e.message, `No such file or directory, mkfifo '${missing}'`);
  t.false(fs.existsSync(path.dirname(missing)));
});

test('flock on an fd that cannot be open: EBADF in errno, not in code', (t) => {
  const fd = 2 ** 30; // above any RLIMIT_NOFILE the kernel allows
  const e = t.throws(() => addon().flock(fd, true, false), { instanceOf: TsruncError });
  t.is(e.code, 'SYSTEM');
  t.is(e.errno, 'EBADF');
  t.is(e.syscall, 'flock');
});
