// The host-side life of a container's cgroup: created before the init exists (so the init is
// cloned straight into it, CLONE_INTO_CGROUP), limits written, device filter attached; later
// frozen, killed, listed; removed on delete once empty - and only if tsrunc created it.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';
import type { DeviceFilter } from './devices';
import type { CgroupWrite } from './types';

/** What state.json remembers of the cgroup. */
export interface CgroupRecord {
  dir: string;
  /** tsrunc made the leaf directory, so delete removes it (never a cgroup someone else made). */
  created: boolean;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Writing subtree_control can meet EBUSY while processes move (runc#2298): retry briefly. */
function writeRetrying(file: string, value: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, value);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 10) throw e;
      sleep(5 * (attempt + 1));
    }
  }
}

/** Enables controllers in every ancestor's subtree_control, root first - never in the leaf. */
export function enableControllers(unifiedRoot: string, parents: string[], controllers: string[]): void {
  for (const parent of parents) {
    const dir = path.join(unifiedRoot, parent);
    const enabled = new Set(fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8').split(/\s+/));
    const missing = controllers.filter((c) => !enabled.has(c));
    if (missing.length > 0) writeRetrying(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => '+' + c).join(' '));
  }
}

function applyWrite(dir: string, w: CgroupWrite): void {
  try {
    fs.writeFileSync(path.join(dir, w.file), w.value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && w.ifMissing === 'skip') return;
    if (code === 'ENOENT' && typeof w.ifMissing === 'object') return applyWrite(dir, { ...w, ...w.ifMissing, ifMissing: undefined });
    throw new TsruncError('SETUP_FAILED', `cannot write ${JSON.stringify(w.value)} to ${w.file} (config.json ${w.pointer}): ${(e as Error).message}`, { pointer: w.pointer, cause: e });
  }
}

export function writeLimits(dir: string, writes: readonly CgroupWrite[]): void {
  for (const w of writes) applyWrite(dir, w);
}

export function attachDevices(dir: string, filter: DeviceFilter): void {
  // The compiler loads only here: delete, kill and state never compile a device filter.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bpf = require('./device-bpf') as typeof import('./device-bpf');
  addon().attachDeviceFilter(dir, bpf.encodeProgram(bpf.deviceFilterProgram(filter)), bpf.DEVICE_FILTER_LICENSE);
}

export interface CgroupSetup {
  unifiedRoot: string;
  dir: string;
  parents: string[];
  controllers: string[];
  writes: CgroupWrite[];
  devices?: DeviceFilter;
}

/** Makes the cgroup ready for the init. On failure removes what it made and throws. */
export function setUpCgroup(s: CgroupSetup): CgroupRecord {
  let created = false;
  try {
    fs.mkdirSync(s.dir, { recursive: false });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      fs.mkdirSync(path.dirname(s.dir), { recursive: true });
      fs.mkdirSync(s.dir);
      created = true;
    } else if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw e;
    }
    // EEXIST: joining an existing cgroup (a Kubernetes pod's), which is not ours to remove.
  }
  const record = { dir: s.dir, created };
  try {
    enableControllers(s.unifiedRoot, s.parents, s.controllers);
    writeLimits(s.dir, s.writes);
    if (s.devices) attachDevices(s.dir, s.devices);
    return record;
  } catch (e) {
    removeCgroup(record);
    throw e;
  }
}

export function cgroupPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Signals every process in the cgroup; SIGKILL through cgroup.kill where the kernel has it. */
export function signalAll(dir: string, signal: number): void {
  if (signal === 9) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      return;
    } catch {
      // kernel < 5.14: one by one below
    }
  }
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** Freezes or thaws, and waits until cgroup.events says it is done. */
export function setFrozen(dir: string, frozen: boolean, timeoutMs = 5000): void {
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
  const want = `frozen ${frozen ? 1 : 0}`;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; !fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8').includes(want); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw new TsruncError('SYSTEM', `cgroup ${dir} did not become ${frozen ? 'frozen' : 'thawed'}`);
    sleep(delay);
  }
}

export function isFrozen(dir: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** Removes a cgroup tsrunc created, once its last process is gone (EBUSY until then). */
export function removeCgroup(record: CgroupRecord, timeoutMs = 2000): void {
  if (!record.created) return;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      fs.rmdirSync(record.dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw e;
      sleep(delay);
    }
  }
}
