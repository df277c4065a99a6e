// The cgroup v2 driver: the host-side life of a container's cgroup. Created before the init exists
// (so the init is cloned straight into it, CLONE_INTO_CGROUP), limits written, device filter
// attached; later frozen, killed, listed; removed on delete once empty - and only if tsrunc created it.
// Every fs failure is a TsruncError naming the file (cgroupfs.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../../errors';
import { addon } from '../../native/addon';
import type { DeviceFilter } from '../devices';
import { CGROUPS_PATH_POINTER, cgroupFsError, onCgroup, procsOf, readCgroupFile, removeCgroupDirs, sleepMs, writeCgroupFile, writeExisting } from '../cgroupfs';
import type { CgroupManager, OomWatch } from '../cgroup-manager';
import type { CompiledResources } from '../resources';
import type { CgroupRecord } from '../record';
import { cgroupStats, oomKills } from '../stats';
import type { CgroupWrite } from '../types';
import { runBlocking, type Steps } from '../../process/waits';

/** Writing subtree_control can meet EBUSY while processes move (runc#2298): retry briefly. */
function writeRetrying(file: string, value: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      writeExisting(file, value);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 10) throw cgroupFsError(`write ${JSON.stringify(value)} to`, file, e);
      sleepMs(5 * (attempt + 1));
    }
  }
}

/** Enables controllers in every ancestor's subtree_control, root first - never in the leaf. */
export function enableControllers(unifiedRoot: string, parents: string[], controllers: string[]): void {
  for (const parent of parents) {
    const file = path.join(unifiedRoot, parent, 'cgroup.subtree_control');
    const enabled = new Set(readCgroupFile(file).split(/\s+/));
    const missing = controllers.filter((c) => !enabled.has(c));
    if (missing.length > 0) writeRetrying(file, missing.map((c) => '+' + c).join(' '));
  }
}

/** One write into a cgroup directory, with its ifMissing fallback; failures name file, field and errno. */
export function applyWrite(dir: string, w: CgroupWrite): void {
  try {
    writeExisting(path.join(dir, w.file), w.value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && w.ifMissing === 'skip') return;
    if (code === 'ENOENT' && typeof w.ifMissing === 'object') return applyWrite(dir, { ...w, ...w.ifMissing, ifMissing: undefined });
    throw cgroupFsError(`write ${JSON.stringify(w.value)} to`, path.join(dir, w.file), e, w.pointer, 'SETUP_FAILED');
  }
}

export function writeLimits(dir: string, writes: readonly CgroupWrite[]): void {
  for (const w of writes) applyWrite(dir, w);
}

export function attachDevices(dir: string, filter: DeviceFilter): void {
  // The compiler loads only here: delete, kill and state never compile a device filter.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bpf = require('../device-bpf') as typeof import('../device-bpf');
  onCgroup('attach the device filter to', dir,
    () => addon().attachDeviceFilter(dir, bpf.encodeProgram(bpf.deviceFilterProgram(filter)), bpf.DEVICE_FILTER_LICENSE),
    '/linux/resources/devices', 'SETUP_FAILED');
}

export interface CgroupSetup {
  driver?: 'v2';
  unifiedRoot: string;
  dir: string;
  parents: string[];
  controllers: string[];
  writes: CgroupWrite[];
  devices?: DeviceFilter;
}

/**
 * Makes the container's cgroup directory; false when it exists already (joining a cgroup someone
 * else made, such as a Kubernetes pod's, which is not ours to remove). Missing parents are made too.
 */
export function makeCgroupDir(dir: string): boolean {
  return onCgroup('create', dir, () => {
    try {
      fs.mkdirSync(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'ENOENT') throw e;
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.mkdirSync(dir);
      return true;
    }
  }, CGROUPS_PATH_POINTER, 'SETUP_FAILED');
}

/** Makes the cgroup ready for the init. On failure removes what it made and throws. */
export function setUpCgroup(s: CgroupSetup): CgroupRecord {
  const record = { dir: s.dir, created: makeCgroupDir(s.dir) };
  try {
    enableControllers(s.unifiedRoot, s.parents, s.controllers);
    writeLimits(s.dir, s.writes);
    if (s.devices) attachDevices(s.dir, s.devices);
    return record;
  } catch (e) {
    runBlocking(removeCgroup(record));
    throw e;
  }
}

export function cgroupPids(dir: string): number[] {
  return procsOf(dir);
}

/** Signals every process of a list; one that exited meanwhile is no error. */
export function signalPids(pids: readonly number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Signals every process in the cgroup; SIGKILL through cgroup.kill where the kernel has it. Decided
 * by the native core (native/core/cgroups.cc signalAllV2), which the native front-end's kill and
 * delete run too: which cgroup.kill failures mean "do it one by one" (no such file: kernel < 5.14;
 * EOPNOTSUPP: a threaded cgroup, whose tasks are then read from cgroup.threads) and which are
 * errors of their own, reported here with their errno.
 */
export function signalAll(dir: string, signal: number): void {
  try {
    addon().cgroupSignalAll(dir, signal);
  } catch (e) {
    // The addon's error carries the errno and the file ("Is a directory, write '<dir>/cgroup.kill'").
    const { errno, message } = e as TsruncError;
    throw new TsruncError('SYSTEM', `cgroup: cannot kill every process of ${dir}: ${errno}: ${message}`, { cause: e, errno, syscall: 'write' });
  }
}

/** Freezes or thaws, and waits until cgroup.events says it is done. */
export function setFrozen(dir: string, frozen: boolean, timeoutMs = 5000): void {
  writeCgroupFile(path.join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
  const want = `frozen ${frozen ? 1 : 0}`;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; !readCgroupFile(path.join(dir, 'cgroup.events')).includes(want); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw cgroupFsError(frozen ? 'freeze' : 'thaw', dir, new Error('the kernel did not finish within 5 s'));
    sleepMs(delay);
  }
}

/** Removes a cgroup tsrunc created, once its last process is gone (EBUSY until then). */
export function* removeCgroup(record: CgroupRecord, timeoutMs = 2000): Steps<void> {
  if (record.created) yield* removeCgroupDirs([record.dir], timeoutMs);
}

/** The cgroup v2 driver behind the one interface (also the systemd driver's file layer). */
export class V2Manager implements CgroupManager {
  constructor(readonly record: CgroupRecord) {}

  dirs(): string[] {
    return [this.record.dir];
  }

  cloneIntoDir(): string | undefined {
    return this.record.dir;
  }

  pids(): number[] {
    return cgroupPids(this.record.dir);
  }

  signalAll(signal: number): void {
    // Gone already (a delete that crashed after removing it, a create that crashed before making
    // it): no process can be in it.
    if (fs.existsSync(this.record.dir)) signalAll(this.record.dir, signal);
  }

  killMade(): void {
    if (this.record.created) signalPids(cgroupPids(this.record.dir), 9);
  }

  setFrozen(frozen: boolean): void {
    setFrozen(this.record.dir, frozen);
  }

  stats(): Record<string, unknown> {
    return cgroupStats(this.record.dir);
  }

  oomKillCount(): number {
    return oomKills(this.record.dir);
  }

  /** memory.events' oom_kill counter, read at each take(). */
  watchOoms(): OomWatch {
    const dir = this.record.dir;
    let last = oomKills(dir);
    return {
      take: () => {
        const now = oomKills(dir);
        const n = Math.max(0, now - last);
        last = now;
        return n;
      },
      close: () => {},
    };
  }

  applyResources(compiled: CompiledResources, enable: (controllers: string[]) => void): void {
    enable(compiled.controllers);
    writeLimits(this.record.dir, compiled.writes);
    if (compiled.devices) attachDevices(this.record.dir, compiled.devices);
  }

  removal(): Steps<void> {
    return removeCgroup(this.record);
  }
}
