// Every file system call on a cgroup goes through here, so that a failure reaches the user as a
// TsruncError naming the cgroup file, the errno (EBUSY, EINVAL, ...) and, where a config.json field
// caused it, its JSON pointer (/linux/cgroupsPath for placement, /linux/resources/... for a limit).
import * as fs from 'node:fs';

import { TsruncError, type ErrorCode } from '../errors';
import { addon } from '../native/addon';
import { openPidfd } from '../process/wait';

export const CGROUPS_PATH_POINTER = '/linux/cgroupsPath';

/** Wraps an fs error; the message says what was done to which file, and why the kernel refused. */
export function cgroupFsError(action: string, file: string, e: unknown, ptr?: string, code: ErrorCode = 'SYSTEM'): TsruncError {
  if (e instanceof TsruncError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : String(err.message ?? e);
  const field = ptr ? ` (config.json ${ptr})` : '';
  return new TsruncError(code, `cgroup: cannot ${action} ${file}${field}: ${why}`, { pointer: ptr, cause: e });
}

/** Runs one fs call on a cgroup file, throwing cgroupFsError on failure. */
export function onCgroup<T>(action: string, file: string, call: () => T, ptr?: string, code?: ErrorCode): T {
  try {
    return call();
  } catch (e) {
    throw cgroupFsError(action, file, e, ptr, code);
  }
}

export const readCgroupFile = (file: string, ptr?: string): string => onCgroup('read', file, () => fs.readFileSync(file, 'utf8'), ptr);

/**
 * Writes `value` to a file the kernel provides, as runc does: opened without O_CREAT, so a file the
 * kernel does not have (blkio.bfq.weight without the BFQ scheduler) fails with ENOENT, which the
 * callers' fallbacks look for; with O_CREAT (fs.writeFileSync), cgroupfs answers EACCES instead.
 */
export function writeExisting(file: string, value: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

export const writeCgroupFile = (file: string, value: string, ptr?: string, code?: ErrorCode): void =>
  onCgroup(`write ${JSON.stringify(value)} to`, file, () => writeExisting(file, value), ptr, code);

/**
 * writeCgroupFile on the thread pool. For writes that sleep in the kernel: a v1 cgroup.procs write
 * waits for an RCU grace period (~2.5 ms here), which would stall every other container of an
 * in-process caller.
 */
export async function writeCgroupFileAsync(file: string, value: string, ptr?: string, code?: ErrorCode): Promise<void> {
  // Without O_CREAT, as writeExisting. The callback API: lighter on this thread than fs.promises'.
  const fail = (e: unknown) => cgroupFsError(`write ${JSON.stringify(value)} to`, file, e, ptr, code);
  const fd = await new Promise<number>((resolve, reject) =>
    fs.open(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC, (e, fd) => (e ? reject(fail(e)) : resolve(fd))));
  try {
    await new Promise<void>((resolve, reject) => fs.write(fd, value, (e) => (e ? reject(fail(e)) : resolve())));
  } finally {
    fs.close(fd, () => {});
  }
}

/** An fsBatch result as Node's fs reports an error: `code` the errno's name. */
function batchError(r: { errno: string; message: string }): NodeJS.ErrnoException {
  return Object.assign(new Error(`${r.errno}: ${r.message}`), { code: r.errno });
}

/**
 * writeCgroupFileAsync of every file at once, through one native batch (addon fsBatch): the same
 * writes on the thread pool, without three requests and promises per file on this thread. Every
 * write settles before the first failure is thrown.
 */
export function writeCgroupFilesAsync(files: string[], value: string, ptr?: string, code?: ErrorCode): Promise<void> {
  return new Promise((resolve, reject) => addon().fsBatch('write', files, value, (results) => {
    const i = results.findIndex((r) => r !== null);
    if (i < 0) resolve();
    else reject(cgroupFsError(`write ${JSON.stringify(value)} to`, files[i], batchError(results[i]!), ptr, code));
  }));
}

/**
 * removeCgroupDirAsync of every directory: one native batch of rmdirs first (gone already is
 * fine); only a directory still busy goes on to removeCgroupDirAsync's retries.
 */
export async function removeCgroupDirsAsync(dirs: string[], timeoutMs = 2000): Promise<void> {
  const results = await new Promise<({ errno: string; message: string } | null)[]>((resolve) => addon().fsBatch('rmdir', dirs, '', resolve));
  const retries: Promise<void>[] = [];
  let failure: unknown;
  results.forEach((r, i) => {
    if (r === null || r.errno === 'ENOENT') return;
    if (r.errno === 'EBUSY') retries.push(removeCgroupDirAsync(dirs[i], timeoutMs));
    else failure ??= cgroupFsError('remove', dirs[i], batchError(r));
  });
  await allOrFirstError(retries);
  if (failure) throw failure;
}

/** Like readCgroupFile, but undefined when the file cannot be read (a controller the cgroup lacks). */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export const sleepMs = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * rmdir of a cgroup once its last process is gone (EBUSY until then); a missing one is fine. Each
 * EBUSY waits on an fd: the pidfds of the processes cgroup.procs still lists, else (only exited,
 * unreaped ones left) a change of the cgroup2 `cgroup.events`; a cgroup v1 directory without
 * either falls back to a short sleep.
 */
export function removeCgroupDir(dir: string, timeoutMs = 2000): void {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw cgroupFsError('remove', dir, e);
      if (removeChildCgroups(dir, deadline - Date.now())) continue;
      if (!waitEmptier(dir, deadline - Date.now())) sleepMs(delay);
    }
  }
}

/**
 * removeCgroupDir on the thread pool, waiting on a timer (not this thread) while the cgroup is
 * still busy: an rmdir costs ~60 us of kernel work per hierarchy, ten of them per container on a
 * v1 host, which an in-process caller's other containers need not wait for.
 */
export async function removeCgroupDirAsync(dir: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      await new Promise<void>((resolve, reject) => fs.rmdir(dir, (e) => (e ? reject(e) : resolve())));
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw cgroupFsError('remove', dir, e);
      if (removeChildCgroups(dir, deadline - Date.now())) continue;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * The sub-cgroups a container made in its delegated directory (cgroups/delegate.ts), deepest
 * first: rmdir refuses a cgroup that has children (EBUSY). True when there were any.
 */
function removeChildCgroups(dir: string, timeoutMs: number): boolean {
  let children: string[];
  try {
    children = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${dir}/${d.name}`);
  } catch {
    return false;
  }
  for (const child of children) removeCgroupDir(child, Math.max(timeoutMs, 1));
  return children.length > 0;
}

/** Settles every promise, then throws the first failure, if any: nothing runs on behind an error. */
export async function allOrFirstError(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Waits (on fds) for the cgroup to lose a process; false when it has no fd to wait on. */
function waitEmptier(dir: string, leftMs: number): boolean {
  const fds: number[] = [];
  try {
    for (const pid of procsOf(dir)) {
      const fd = openPidfd(pid);
      if (fd >= 0) fds.push(fd);
    }
    if (fds.length > 0) {
      addon().waitReadableSync(fds, Math.max(leftMs, 1));
      return true;
    }
    let events: number;
    try {
      events = fs.openSync(`${dir}/cgroup.events`, 'r');
    } catch {
      return false; // cgroup v1
    }
    fds.push(events);
    // Read after opening: a change between the read and the poll still wakes the poll.
    if (/^populated 1$/m.test(fs.readFileSync(events, 'utf8'))) addon().waitReadableSync([events], Math.max(leftMs, 1), true);
    return true;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

/** The pids in a cgroup.procs file; none when it cannot be read (the cgroup is gone). */
export function procsOf(dir: string): number[] {
  return (readOptional(`${dir}/cgroup.procs`) ?? '').split('\n').filter(Boolean).map(Number);
}
