// The cgroup v1 driver: the container gets a cgroup in every mounted v1 hierarchy (and, on a hybrid
// host, in the cgroup2 tree), as runc's fs driver does. There is no CLONE_INTO_CGROUP on v1: the
// init reports its pid and waits; place() writes it into every hierarchy's cgroup.procs before the
// init is told to go on, so no container code runs outside its cgroups.
//
// Pause/resume use the freezer (waiting for FROZEN, thawing and retrying a freeze that stalls, as
// runc does); kill --all is freeze, signal every task, thaw (v1 has no cgroup.kill).
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DeviceFilter } from '../devices';
import { CGROUPS_PATH_POINTER, cgroupFsError, procsOf, readCgroupFile, readOptional, removeCgroupDirs, sleepMs, writeCgroupFile, writeCgroupFiles } from '../cgroupfs';
import { applyWrite, attachDevices, enableControllers, makeCgroupDir, signalPids } from '../v2/manager';
import { controllerOf } from '../availability';
import type { CgroupWrite } from '../types';
import { deviceTransition, filterFromList, listMatches } from './devices';
import { LIMIT_FILE, orderMemoryWrites } from './memory';
import { unifiedParents, type V1Location } from './paths';
import { v1DirOf, type V1Record } from './dirs';
import { FREEZER_STATE, isFrozen } from '../frozen';
import type { CgroupManager, OomWatch } from '../cgroup-manager';
import type { CompiledResources } from '../resources';
import { cgroupStatsV1 } from './stats';
import { OomNotifier } from './oom';
import { runBlocking, type Steps } from '../../process/waits';

export { v1DirOf, type V1Record };

export interface V1Setup {
  driver: 'v1';
  locations: V1Location[];
  /** Controllers of the cgroup2 tree the writes use (hybrid: enabled in its ancestors). */
  controllers: string[];
  writes: CgroupWrite[];
  devices?: DeviceFilter;
  /** A cgroup this process is in already (see warmPlacement); absent when none is known. */
  ownDir?: string;
}

/** The directory of the hierarchy holding `controller` (v1 first, then the cgroup2 tree). */
export function dirFor(record: V1Record, controller: string): string | undefined {
  return v1DirOf(record, controller) ?? record.v1.dirs[''];
}

/** Makes the cgroups and writes the limits; on failure removes what it made and throws. */
export function setUpV1(s: V1Setup): V1Record {
  const dirs: Record<string, string> = {};
  const made: string[] = [];
  const unified = s.locations.find((l) => l.key === '');
  const main = unified ?? s.locations.find((l) => l.key.split(',').includes('freezer')) ?? s.locations[0];
  if (!main) throw cgroupFsError('place the container in', 'any cgroup hierarchy', new Error('this host mounts none'), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
  const record: V1Record = { dir: main.dir, created: false, v1: { dirs, made } };
  try {
    for (const l of s.locations) {
      dirs[l.key] = l.dir;
      if (makeCgroupDir(l.dir)) made.push(l.dir);
      if (l.key.split(',').includes('cpuset')) fillCpusets(l);
    }
    // "Our own cgroup" (kill --all and ps list it) means the one processes are listed from: a joined
    // one (a pod's) holds others' processes too.
    record.created = made.includes(v1DirOf(record, 'freezer') ?? main.dir);
    if (unified && s.controllers.length > 0) enableControllers(unified.mountPoint, unifiedParents(unified), s.controllers);
    writeLimitsV1(record, s.writes);
    if (s.devices) applyDevices(record, s.devices);
    return record;
  } catch (e) {
    runBlocking(removeV1(record));
    throw e;
  }
}

/**
 * A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and a task cannot join it then:
 * fill every level from the hierarchy root down from its parent, as runc's cpuset ensureParent does.
 */
export function fillCpusets(l: V1Location): void {
  const root = l.mountPoint.replace(/\/+$/, '');
  const levels = l.dir.slice(root.length).split('/').filter(Boolean);
  let parent = root;
  for (const level of levels) {
    const dir = path.join(parent, level);
    if (!fs.existsSync(dir)) return;
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readCgroupFile(path.join(dir, file), CGROUPS_PATH_POINTER).trim() === '') {
        writeCgroupFile(path.join(dir, file), readCgroupFile(path.join(parent, file)).trim(), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
      }
    }
    parent = dir;
  }
}

/** Writes each limit into its controller's cgroup; memory and memsw in runc's order. */
export function writeLimitsV1(record: V1Record, writes: readonly CgroupWrite[]): void {
  const memoryDir = dirFor(record, 'memory');
  const current = memoryDir === undefined ? undefined : readOptional(path.join(memoryDir, LIMIT_FILE));
  const ordered = current === undefined ? writes : orderMemoryWrites(writes, BigInt(current.trim()));
  for (const w of ordered) {
    const dir = dirFor(record, controllerOf(w.file)!);
    if (dir === undefined) throw cgroupFsError(`write ${JSON.stringify(w.value)} to`, w.file, new Error('no hierarchy has its controller'), w.pointer, 'SETUP_FAILED');
    applyWrite(dir, w);
  }
}

/**
 * devices.allow / devices.deny: only the difference from the current list, then checked. Rules
 * those files cannot express (a hole in a wildcard, `ordered`), or a host whose v1 has no devices
 * controller, get the eBPF filter on the cgroup2 tree too: the kernel asks both.
 */
export function applyDevices(record: V1Record, filter: DeviceFilter): void {
  const dir = v1DirOf(record, 'devices');
  const unified = record.v1.dirs[''];
  if ((filter.ordered || dir === undefined) && unified !== undefined) attachDevices(unified, filter);
  if (dir === undefined) {
    if (unified !== undefined) return;
    throw cgroupFsError('apply device rules to', 'the devices cgroup', new Error('this host has no devices controller in cgroup v1'), '/linux/resources/devices', 'SETUP_FAILED');
  }
  const list = path.join(dir, 'devices.list');
  for (const w of deviceTransition(filterFromList(readCgroupFile(list)), filter)) {
    writeCgroupFile(path.join(dir, w.file), w.value, w.pointer, 'SETUP_FAILED');
  }
  if (!listMatches(readCgroupFile(list), filter)) {
    throw cgroupFsError('apply device rules to', list, new Error('the resulting devices.list does not match the rules'), '/linux/resources/devices', 'SETUP_FAILED');
  }
}

/**
 * Puts the init into every v1 hierarchy's cgroup, before it runs any container code. The cgroup2
 * one of a hybrid host is not written: the init was cloned into it (driver.ts cgroupFdDir), and
 * each cgroup.procs write is a migration the kernel serialises across the whole host. Each write
 * may sleep in the kernel (an RCU grace period): the event-loop driver does them on the thread
 * pool at once, and every write settles before a failure is reported (none is left running
 * behind a clean-up).
 */
export function placeV1(record: V1Record, pid: number): Steps<void> {
  return writeCgroupFiles(procsFilesV1(record), String(pid), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
}

/** The cgroup.procs of every v1 hierarchy's cgroup (not the cgroup2 one: see placeV1). */
function procsFilesV1(record: V1Record): string[] {
  return Object.entries(record.v1.dirs).filter(([key]) => key !== '').map(([, dir]) => path.join(dir, 'cgroup.procs'));
}

/**
 * Writes this process's own pid into its own cgroup.procs: a migration to where it already is, so
 * the kernel moves nothing. Every cgroup.procs write takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, and the first one after a quiet spell waits for an RCU
 * grace period before it gets it (5-20 ms of wall time on this host, no CPU); writes that follow
 * soon after do not wait. Done while the init's helper starts up (an idle wait for its pid), the
 * grace period passes then instead of in placeV1, while the init waits. Best effort: a failure
 * only means placeV1 waits as it would have. The event-loop driver leaves it running on the
 * thread pool; the blocking driver writes it now (the CLI has nothing else to do meanwhile).
 */
export function warmPlacement(s: Pick<V1Setup, 'ownDir'>): Steps<void> | undefined {
  if (s.ownDir === undefined) return undefined;
  return (function* () {
    yield { op: 'write-detached', files: [path.join(s.ownDir!, 'cgroup.procs')], value: String(process.pid) };
  })();
}

/** Every process of the container, from the freezer hierarchy (else the first one). */
export function pidsV1(record: V1Record): number[] {
  return procsOf(v1DirOf(record, 'freezer') ?? record.dir);
}

/** Freezes (waiting for FROZEN) or thaws; a freeze that stalls is thawed and retried, as runc does. */
export function setFrozenV1(record: V1Record, frozen: boolean, timeoutMs = 5000): void {
  const dir = freezerDir(record);
  const file = path.join(dir, FREEZER_STATE);
  const want = frozen ? 'FROZEN' : 'THAWED';
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    writeCgroupFile(file, want);
    for (let i = 0; i < 20; i++) {
      if (readCgroupFile(file).trim() === want) return;
      sleepMs(Math.min(1 << i, 20));
    }
    if (Date.now() > deadline) throw cgroupFsError(frozen ? 'freeze' : 'thaw', dir, new Error(`${FREEZER_STATE} did not become ${want} within ${timeoutMs} ms`));
    // A task stuck in an uninterruptible sleep can hold the freeze in FREEZING: let it run, retry.
    if (frozen) writeCgroupFile(file, 'THAWED');
  }
}

function freezerDir(record: V1Record): string {
  const dir = v1DirOf(record, 'freezer');
  if (dir === undefined) throw cgroupFsError('freeze', record.dir, new Error('this host has no freezer controller in cgroup v1'));
  return dir;
}

/** Signals every task: freeze, signal, thaw, so none forks away meanwhile (no cgroup.kill on v1). */
export function signalAllV1(record: V1Record, signal: number): void {
  // An empty cgroup gains no task by fork: nothing to freeze (delete of a stopped container).
  if (pidsV1(record).length === 0) return;
  const hasFreezer = v1DirOf(record, 'freezer') !== undefined;
  const wasFrozen = hasFreezer && isFrozen(record);
  if (hasFreezer && !wasFrozen) setFrozenV1(record, true);
  try {
    signalPids(pidsV1(record), signal);
  } finally {
    // A paused container stays paused (its signals are delivered on resume), as runc leaves it -
    // except for SIGKILL, which a frozen task only dies of once thawed (runc thaws too).
    if (hasFreezer && (!wasFrozen || signal === 9)) setFrozenV1(record, false);
  }
}

/**
 * Removes the cgroups tsrunc made (each once empty); joined ones stay. The cgroup2 one first: its
 * cgroup.events says when the last (even exited, unreaped) task is gone, and a task leaves every
 * hierarchy at once, so the v1 ones are empty by then.
 */
export function removeV1(record: V1Record, timeoutMs = 2000): Steps<void> {
  const unified = record.v1.dirs[''];
  const made = [...record.v1.made].sort((a, b) => Number(b === unified) - Number(a === unified));
  return removeCgroupDirs(made, timeoutMs);
}

/** The cgroup v1 driver behind the one interface. */
export class V1Manager implements CgroupManager {
  constructor(readonly record: V1Record) {}

  dirs(): string[] {
    return Object.values(this.record.v1.dirs);
  }

  cloneIntoDir(): string | undefined {
    return this.record.v1.dirs[''];
  }

  pids(): number[] {
    return pidsV1(this.record);
  }

  signalAll(signal: number): void {
    // Gone already (a delete that crashed after removing it, a create that crashed before making
    // it): no process can be in it.
    if (fs.existsSync(v1DirOf(this.record, 'freezer') ?? this.record.dir)) signalAllV1(this.record, signal);
  }

  killMade(): void {
    for (const dir of this.record.v1.made) signalPids(procsOf(dir), 9);
  }

  setFrozen(frozen: boolean): void {
    setFrozenV1(this.record, frozen);
  }

  stats(): Record<string, unknown> {
    return cgroupStatsV1((c) => dirFor(this.record, c));
  }

  oomKillCount(): number {
    const dir = v1DirOf(this.record, 'memory');
    const text = dir === undefined ? undefined : readOptional(`${dir}/memory.oom_control`);
    return Number(/^oom_kill (\d+)$/m.exec(text ?? '')?.[1] ?? 0);
  }

  /** An eventfd on memory.oom_control (nothing to count without a memory hierarchy). */
  watchOoms(): OomWatch {
    const dir = v1DirOf(this.record, 'memory');
    return dir === undefined ? { take: () => 0, close: () => {} } : new OomNotifier(dir);
  }

  applyResources(compiled: CompiledResources, enable: (controllers: string[]) => void): void {
    enable(compiled.controllers);
    writeLimitsV1(this.record, compiled.writes);
    if (compiled.devices) applyDevices(this.record, compiled.devices);
  }

  removal(): Steps<void> {
    return removeV1(this.record);
  }
}
