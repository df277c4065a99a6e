// One interface over the two drivers: what the runtime's verbs do to a container's cgroup, whichever
// driver placed it. The record in state.json says which: a `v1` entry means the cgroup v1 driver
// (hybrid and legacy hosts), none the cgroup v2 driver (unified hosts; also every state file
// written before the v1 driver existed).
import * as fs from 'node:fs';

import { readOptional } from './fs-errors';
import * as v2 from './manager';
import type { CgroupRecord, CgroupSetup } from './manager';
import type { CompiledResources } from './resources';
import { cgroupStats as statsV2, oomKills as oomKillsV2 } from './stats';
import { killWaitsForThaw } from './frozen';
import * as v1 from './v1/manager';
import { OomNotifier } from './v1/oom';
import { removeCgroupDirAsync } from './fs-errors';
import { cgroupStatsV1 } from './v1/stats';

export type { CgroupRecord } from './manager';
/** What plan.ts decided: the cgroup v2 driver's set-up or the v1 driver's. */
export type AnySetup = CgroupSetup | v1.V1Setup;

type V1Record = Parameters<typeof v1.pidsV1>[0];
const asV1 = (r: CgroupRecord): V1Record | undefined => (r.v1 ? (r as V1Record) : undefined);

/** Makes the container's cgroup(s) and writes the limits; nothing is left behind on failure. */
export function setUpCgroup(s: AnySetup): CgroupRecord {
  return s.driver === 'v1' ? v1.setUpV1(s) : v2.setUpCgroup(s);
}

/**
 * The record setUpCgroup(s) will return, known before it makes anything: create stores it first,
 * so that if it is killed half-way through, `delete --force` removes exactly the directories it
 * was about to make (those that do not exist yet) and never one that was there before.
 */
export function plannedRecord(s: AnySetup): CgroupRecord | undefined {
  const missing = (dir: string) => !fs.existsSync(dir);
  if (s.driver !== 'v1') return { dir: s.dir, created: missing(s.dir) };
  const dirs: Record<string, string> = {};
  for (const l of s.locations) dirs[l.key] = l.dir;
  const made = s.locations.map((l) => l.dir).filter(missing);
  const main = s.locations.find((l) => l.key === '') ?? s.locations.find((l) => l.key.split(',').includes('freezer')) ?? s.locations[0];
  if (!main) return undefined; // setUpCgroup refuses such a host
  const record: V1Record = { dir: main.dir, created: false, v1: { dirs, made } };
  record.created = made.includes(v1.v1DirOf(record, 'freezer') ?? record.dir);
  return record;
}

/** SIGKILLs every process in every cgroup directory tsrunc made for the container (whatever placed them). */
export function killMade(record: CgroupRecord): void {
  const made = record.v1 ? record.v1.made : record.created ? [record.dir] : [];
  for (const dir of made) v2.signalPids(v2.cgroupPids(dir), 9);
}

/**
 * v1: the init's pid goes into every v1 hierarchy before it is told to go on. v2 (and the cgroup2
 * tree of a hybrid host): nothing to do, the init was cloned into its cgroup (the directory fd
 * create passes, cgroupFdDir); create must always pass that fd. `blocking`: on this thread (the
 * CLI, which runs one container: the thread pool's start would cost it more than the writes).
 */
export async function placeInit(record: CgroupRecord, pid: number, blocking = false): Promise<void> {
  const r = asV1(record);
  if (r && blocking) v1.placeV1Sync(r, pid);
  else if (r) await v1.placeV1(r, pid);
}

/** v1: the kernel's wait before the first cgroup.procs write, got over early (v1 warmPlacement). */
export function warmPlacement(s: AnySetup, blocking: boolean): void {
  if (s.driver === 'v1') v1.warmPlacement(s, blocking);
}

/** The cgroup2 directory the init can be cloned straight into (CLONE_INTO_CGROUP), if any. */
export function cgroupFdDir(record: CgroupRecord): string | undefined {
  const r = asV1(record);
  return r ? r.v1.dirs[''] : record.dir;
}

/** Every directory of the container's own cgroups: one per hierarchy on v1, the one on v2. */
export function cgroupDirs(record: CgroupRecord): string[] {
  return record.v1 ? Object.values(record.v1.dirs) : [record.dir];
}

export function cgroupPids(record: CgroupRecord): number[] {
  const r = asV1(record);
  return r ? v1.pidsV1(r) : v2.cgroupPids(record.dir);
}

export function signalAll(record: CgroupRecord, signal: number): void {
  const r = asV1(record);
  // Gone already (a delete that crashed after removing it, a create that crashed before making
  // it): no process can be in it.
  if (!fs.existsSync(r ? (v1.v1DirOf(r, 'freezer') ?? r.dir) : record.dir)) return;
  if (r) v1.signalAllV1(r, signal);
  else v2.signalAll(record.dir, signal);
}

/** After a signal to a process of a paused container: thaws it if the signal cannot land before. */
export function letKillLand(record: CgroupRecord, signal: number): void {
  if (killWaitsForThaw(record, signal)) setFrozen(record, false);
}

export function setFrozen(record: CgroupRecord, frozen: boolean): void {
  const r = asV1(record);
  if (r) v1.setFrozenV1(r, frozen);
  else v2.setFrozen(record.dir, frozen);
}

export { isFrozen } from './frozen';

/** removeCgroup without blocking this thread (in-process callers run other containers meanwhile). */
export async function removeCgroupAsync(record: CgroupRecord): Promise<void> {
  const r = asV1(record);
  if (r) await v1.removeV1Async(r);
  else if (record.created) await removeCgroupDirAsync(record.dir);
}

export function removeCgroup(record: CgroupRecord): void {
  const r = asV1(record);
  if (r) v1.removeV1(r);
  else v2.removeCgroup(record);
}

export function cgroupStats(record: CgroupRecord): Record<string, unknown> {
  const r = asV1(record);
  return r ? cgroupStatsV1((c) => v1.dirFor(r, c)) : statsV2(record.dir);
}

/** OOM kills in the container's memory cgroup so far (0 without one): tells why an init died in setup. */
export function oomKillCount(record: CgroupRecord): number {
  const r = asV1(record);
  if (!r) return oomKillsV2(record.dir);
  const dir = v1.v1DirOf(r, 'memory');
  const text = dir === undefined ? undefined : readOptional(`${dir}/memory.oom_control`);
  return Number(/^oom_kill (\d+)$/m.exec(text ?? '')?.[1] ?? 0);
}

/** Counts the container's OOM kills from now on: take() returns those since its last call. */
export interface OomWatch {
  take(): number;
  close(): void;
}

/** v2: memory.events' oom_kill counter; v1: an eventfd on memory.oom_control (none without memory). */
export function watchOoms(record: CgroupRecord): OomWatch {
  const r = asV1(record);
  if (r) {
    const dir = v1.v1DirOf(r, 'memory');
    return dir === undefined ? { take: () => 0, close: () => {} } : new OomNotifier(dir);
  }
  let last = oomKillsV2(record.dir);
  return {
    take: () => {
      const now = oomKillsV2(record.dir);
      const n = Math.max(0, now - last);
      last = now;
      return n;
    },
    close: () => {},
  };
}

/** update: the new limits (compiled by the record's driver) written into the running container's cgroup. */
export function applyResources(record: CgroupRecord, compiled: CompiledResources, enable: (controllers: string[]) => void): void {
  const r = asV1(record);
  enable(compiled.controllers);
  if (r) {
    v1.writeLimitsV1(r, compiled.writes);
    if (compiled.devices) v1.applyDevices(r, compiled.devices);
  } else {
    v2.writeLimits(record.dir, compiled.writes);
    if (compiled.devices) v2.attachDevices(record.dir, compiled.devices);
  }
}
