// Every file system call on a cgroup goes through here, so that a failure reaches the user as a
// TsruncError naming the cgroup file, the errno (EBUSY, EINVAL, ...) and, where a config.json field
// caused it, its JSON pointer (/linux/cgroupsPath for placement, /linux/resources/... for a limit).
import * as fs from 'node:fs';

import { TsruncError, type ErrorCode } from '../errors';
import { addon } from '../native/addon';
import { openPidfd } from '../process/wait';
import { runBlocking, type Outcome, type Steps } from '../process/waits';

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
export { writeExisting } from '../process/waits';
import { writeExisting } from '../process/waits';

export const writeCgroupFile = (file: string, value: string, ptr?: string, code?: ErrorCode): void =>
  onCgroup(`write ${JSON.stringify(value)} to`, file, () => writeExisting(file, value), ptr, code);

/** Like readCgroupFile, but undefined when the file cannot be read (a controller the cgroup lacks). */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export { sleepMs } from '../process/waits';

/** Each write's failure as cgroupFsError; the first one thrown (every write has settled by then). */
function throwFirstFailure(outcomes: Outcome[], files: string[], action: string, ptr?: string, code?: ErrorCode): void {
  const i = outcomes.findIndex((o) => o !== null);
  if (i >= 0) throw cgroupFsError(action, files[i], outcomes[i], ptr, code);
}

/**
 * Writes `value` into every file, as writeCgroupFile: for writes that may sleep in the kernel (a v1
 * cgroup.procs write waits for an RCU grace period, ~2.5 ms here), which the event-loop driver
 * does on the thread pool at once (one native batch).
 */
export function* writeCgroupFiles(files: string[], value: string, ptr?: string, code?: ErrorCode): Steps<void> {
  const outcomes = (yield { op: 'write', files, value }) as Outcome[];
  throwFirstFailure(outcomes, files, `write ${JSON.stringify(value)} to`, ptr, code);
}

/**
 * rmdir of each cgroup once its last process is gone (EBUSY until then); a missing one is fine.
 * All are tried at once (in order), and only a directory still busy is waited for: each EBUSY
 * first removes the sub-cgroups a container made in its delegated directory (rmdir refuses a
 * cgroup with children), else pauses - the blocking driver on an fd (waitEmptier), the event loop
 * on a timer.
 */
export function* removeCgroupDirs(dirs: string[], timeoutMs = 2000): Steps<void> {
  const deadline = Date.now() + timeoutMs;
  const outcomes = (yield { op: 'rmdir', dirs }) as Outcome[];
  let failure: unknown;
  for (const [i, dir] of dirs.entries()) {
    const first = outcomes[i];
    if (first === null || first.code === 'ENOENT') continue;
    if (first.code !== 'EBUSY') {
      failure ??= cgroupFsError('remove', dir, first);
      continue;
    }
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const [e] = (yield { op: 'rmdir', dirs: [dir] }) as Outcome[];
      if (e === null || e.code === 'ENOENT') break;
      if (e.code !== 'EBUSY' || Date.now() > deadline) throw cgroupFsError('remove', dir, e);
      const children = childCgroups(dir);
      if (children.length > 0) {
        yield* removeCgroupDirs(children, Math.max(deadline - Date.now(), 1));
        continue;
      }
      yield { op: 'pause', ms: delay, blockingWait: () => waitEmptier(dir, deadline - Date.now()) };
    }
  }
  if (failure) throw failure;
}

/** removeCgroupDirs of one directory, on this thread (for synchronous callers). */
export function removeCgroupDir(dir: string, timeoutMs = 2000): void {
  runBlocking(removeCgroupDirs([dir], timeoutMs));
}

/** The sub-cgroups a container made in its delegated directory (cgroups/delegate.ts). */
function childCgroups(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${dir}/${d.name}`);
  } catch {
    return [];
  }
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
