// One interface over the three cgroup drivers: what the runtime's verbs do to a container's
// cgroup, whichever driver placed it. Every verb rebuilds the manager from the record in
// state.json (managerFor), never from what the host looks like now: a `v1` entry means the cgroup
// v1 driver (hybrid and legacy hosts), a `systemd` entry the systemd driver (a transient unit owns
// the cgroup), neither the cgroup v2 driver (also every state file written before the others existed).
import * as fs from 'node:fs';

import type { Steps } from '../process/waits';
import { killWaitsForThaw } from './frozen';
import type { CompiledResources } from './resources';
import type { CgroupRecord } from './record';
import type { SystemdSetup } from './systemd/manager';
import * as v1 from './v1/manager';
import { V1Manager } from './v1/manager';
import * as v2 from './v2/manager';
import { V2Manager, type CgroupSetup } from './v2/manager';

export type { CgroupRecord } from './record';

// The systemd driver is evaluated only for a container it placed (or one --systemd-cgroup creates);
// its D-Bus client (systemd/dbus.ts) loads only when a unit is started, changed or stopped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const systemd = (): typeof import('./systemd/manager') => require('./systemd/manager');
/** What plan.ts decided: the cgroup v2 driver's set-up, the v1 driver's or the systemd driver's. */
export type AnySetup = CgroupSetup | v1.V1Setup | SystemdSetup;

/** Counts the container's OOM kills from now on: take() returns those since its last call. */
export interface OomWatch {
  take(): number;
  close(): void;
}

/** A container's cgroup(s), for every verb after create has placed the init. */
export interface CgroupManager {
  readonly record: CgroupRecord;
  /** Every directory of the container's own cgroups (one per hierarchy on v1): exec enters these. */
  dirs(): string[];
  /** The cgroup2 directory the init can be cloned straight into (CLONE_INTO_CGROUP), if any. */
  cloneIntoDir(): string | undefined;
  pids(): number[];
  signalAll(signal: number): void;
  /** SIGKILLs every process in every cgroup tsrunc made (whatever placed them there). */
  killMade(): void;
  setFrozen(frozen: boolean): void;
  stats(): Record<string, unknown>;
  /** OOM kills in the container's memory cgroup so far (0 without one). */
  oomKillCount(): number;
  watchOoms(): OomWatch;
  /** update: the new limits (compiled by plan.ts for this driver) put in force. */
  applyResources(compiled: CompiledResources, enable: (controllers: string[]) => void): void;
  /** Removes what tsrunc made, once empty (a joined cgroup stays): steps for a Waits driver. */
  removal(): Steps<void>;
}

/** The manager of the driver that placed the container. */
export function managerFor(record: CgroupRecord): CgroupManager {
  if (record.systemd) return new (systemd().SystemdManager)(record);
  if (record.v1) return new V1Manager(record as v1.V1Record);
  return new V2Manager(record);
}

/** Makes the container's cgroup(s) and writes the limits; nothing is left behind on failure. */
export function setUpCgroup(s: AnySetup): CgroupRecord {
  if (s.driver === 'systemd') return systemd().SystemdManager.setUp(s);
  return s.driver === 'v1' ? v1.setUpV1(s) : v2.setUpCgroup(s);
}

/**
 * The record setUpCgroup(s) will return, known before it makes anything: create stores it first,
 * so that if it is killed half-way through, `delete --force` removes exactly the directories (or
 * the unit) it was about to make and never one that was there before.
 */
export function plannedRecord(s: AnySetup): CgroupRecord | undefined {
  const missing = (dir: string) => !fs.existsSync(dir);
  if (s.driver === 'systemd') return systemd().SystemdManager.planned(s);
  if (s.driver !== 'v1') return { dir: s.dir, created: missing(s.dir) };
  const dirs: Record<string, string> = {};
  for (const l of s.locations) dirs[l.key] = l.dir;
  const made = s.locations.map((l) => l.dir).filter(missing);
  const main = s.locations.find((l) => l.key === '') ?? s.locations.find((l) => l.key.split(',').includes('freezer')) ?? s.locations[0];
  if (!main) return undefined; // setUpCgroup refuses such a host
  const record: v1.V1Record = { dir: main.dir, created: false, v1: { dirs, made } };
  record.created = made.includes(v1.v1DirOf(record, 'freezer') ?? record.dir);
  return record;
}

/**
 * Puts the init into its cgroups before it runs container code: v1 writes it into every
 * hierarchy; systemd starts the unit around it and then writes the limits; v2 has nothing to do
 * (the init was cloned into its cgroup: create passes cloneIntoDir's fd).
 */
export function* placeInit(s: AnySetup, record: CgroupRecord, pid: number): Steps<void> {
  if (s.driver === 'systemd') systemd().SystemdManager.start(s, record, pid);
  else if (s.driver === 'v1') yield* v1.placeV1(record as v1.V1Record, pid);
}

/** v1: the kernel's wait before the first cgroup.procs write, got over early (v1 warmPlacement). */
export function* warmPlacement(s: AnySetup): Steps<void> {
  const steps = s.driver === 'v1' ? v1.warmPlacement(s) : undefined;
  if (steps) yield* steps;
}

export { isFrozen } from './frozen';

/** After a signal to a process of a paused container: thaws it if the signal cannot land before. */
export function letKillLand(record: CgroupRecord, signal: number): void {
  if (killWaitsForThaw(record, signal)) managerFor(record).setFrozen(false);
}
