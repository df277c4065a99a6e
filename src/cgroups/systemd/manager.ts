// The systemd cgroup driver (runc's libcontainer/cgroups/systemd): a transient unit owns the
// container's cgroup. create starts the unit around the init's pid (StartTransientUnit with PIDs,
// Delegate, the accounting and resource properties; runc's set), then writes every limit into the
// cgroup files exactly as the cgroupfs driver of the host's cgroup version does: systemd's
// properties do not cover everything (hugetlb, rdma, unified keys, the full device rules).
// Freezing, signalling, listing and statistics go through the cgroup files, as runc does them;
// update sets the unit's properties and the files; delete stops the unit (systemd removes the
// cgroup) and resets its failed state.
//
// On a cgroup v1 (hybrid or legacy) host, as runc's v1.go: the unit's cgroup is
// <hierarchy>/<slice path>/<unit> in every hierarchy. systemd makes it in the hierarchies it
// manages; the others (freezer, net_cls, perf_event...) tsrunc makes and joins the init to, then
// the v1 driver writes the limits. delete stops the unit, then removes what is left of those.
import * as fs from 'node:fs';

import type { CgroupManager, OomWatch } from '../cgroup-manager';
import { CGROUPS_PATH_POINTER, writeCgroupFile } from '../cgroupfs';
import type { DeviceFilter } from '../devices';
import type { CgroupRecord, SystemdUnitRecord } from '../record';
import type { CompiledResources } from '../resources';
import type { CgroupWrite } from '../types';
import { runBlocking, type Steps } from '../../process/waits';
import { attachDevices, enableControllers, makeCgroupDir, removeCgroup, V2Manager, writeLimits } from '../v2/manager';
import { applyDevices, fillCpusets, removeV1, V1Manager, writeLimitsV1, type V1Record } from '../v1/manager';
import { unifiedParents, type V1Location } from '../v1/paths';
import { setUnitProperties, startTransientUnit, stopAndResetUnit } from './dbus';
import { deviceProperties, resourceProperties, resourcePropertiesV1, type UnitProperty } from './properties';

export interface SystemdSetup {
  driver: 'systemd';
  unit: string;
  slice: string;
  bus: 'system' | 'user';
  /** The unit's cgroup directory once it runs (systemd makes it); v1: see record's main dir. */
  dir: string;
  /**
   * A cgroup v1 host: the unit's cgroup in every hierarchy (and the cgroup2 tree of a hybrid one);
   * `writes` and `devices` are then the v1 driver's, `controllers` those of the cgroup2 tree.
   */
  v1?: V1Location[];
  unifiedRoot: string;
  /** Its ancestors, root first: their subtree_control must enable the controllers the writes use. */
  parents: string[];
  controllers: string[];
  writes: CgroupWrite[];
  devices?: DeviceFilter;
  /** org.systemd.property.* annotations, passed as they are. */
  extraProperties: UnitProperty[];
  description: string;
}

export class SystemdManager implements CgroupManager {
  /** The cgroupfs driver of the unit's cgroup(s): v1 or v2, as the record says. */
  private readonly files: V2Manager | V1Manager;
  private readonly unit: SystemdUnitRecord;

  constructor(readonly record: CgroupRecord) {
    this.unit = record.systemd!;
    this.files = record.v1 ? new V1Manager(record as V1Record) : new V2Manager({ dir: record.dir, created: true });
  }

  /** Nothing exists before the init does: a scope needs a process (start). */
  static setUp(s: SystemdSetup): CgroupRecord {
    return SystemdManager.planned(s);
  }

  static planned(s: SystemdSetup): CgroupRecord {
    const systemd = { unit: s.unit, slice: s.slice, bus: s.bus };
    if (!s.v1) return { dir: s.dir, created: true, systemd };
    // Every directory is the unit's: delete removes whatever systemd leaves of them.
    const dirs: Record<string, string> = {};
    for (const l of s.v1) dirs[l.key] = l.dir;
    return { dir: s.dir, created: true, v1: { dirs, made: s.v1.map((l) => l.dir) }, systemd };
  }

  /** The unit's properties at start (runc's), then the resource properties. */
  static properties(s: SystemdSetup, pid: number): UnitProperty[] {
    const props: UnitProperty[] = [['Description', 's', s.description]];
    if (s.unit.endsWith('.slice')) props.push(['Wants', 's', s.slice]);
    else props.push(['Slice', 's', s.slice], ['Delegate', 'b', true], ['PIDs', 'au', [pid]]);
    props.push(
      ['DefaultDependencies', 'b', false],
      ['MemoryAccounting', 'b', true],
      ['CPUAccounting', 'b', true],
      // systemd's v1 name for it (runc's v1.go passes BlockIOAccounting)
      [s.v1 ? 'BlockIOAccounting' : 'IOAccounting', 'b', true],
      ['TasksAccounting', 'b', true],
      ...(s.v1 ? resourcePropertiesV1(s.writes) : resourceProperties(s.writes)),
      ...deviceProperties(s.devices),
      ...s.extraProperties,
    );
    return props;
  }

  /**
   * Starts the unit around the init (which waits meanwhile), then writes the limits into its
   * cgroup. On failure the unit is stopped again and the error thrown.
   */
  static start(s: SystemdSetup, record: CgroupRecord, pid: number): void {
    startTransientUnit(s.bus, s.unit, SystemdManager.properties(s, pid));
    try {
      if (s.v1) SystemdManager.joinV1(s, s.v1, record as V1Record, pid);
      else {
        // A slice holds no processes of its own in systemd's model: the init goes in by hand.
        if (s.unit.endsWith('.slice')) writeCgroupFile(`${s.dir}/cgroup.procs`, String(pid), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
        if (s.controllers.length > 0) enableControllers(s.unifiedRoot, s.parents, s.controllers);
        writeLimits(s.dir, s.writes);
        if (s.devices) attachDevices(s.dir, s.devices);
      }
    } catch (e) {
      try {
        runBlocking(new SystemdManager(record).removal());
      } catch {
        // the first error is the one to report
      }
      throw e;
    }
  }

  /**
   * cgroup v1 (runc's joinCgroups): the unit's cgroup in every hierarchy, made where systemd did
   * not (cpuset filled from its parents first), the init written into each but the name=systemd
   * one of a scope, which systemd placed it in; then the limits as the v1 driver writes them.
   */
  private static joinV1(s: SystemdSetup, locations: V1Location[], record: V1Record, pid: number): void {
    const scope = !s.unit.endsWith('.slice');
    for (const l of locations) {
      makeCgroupDir(l.dir);
      if (l.key.split(',').includes('cpuset')) fillCpusets(l);
      if (scope && l.key === 'name=systemd') continue;
      writeCgroupFile(`${l.dir}/cgroup.procs`, String(pid), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
    }
    const unified = locations.find((l) => l.key === '');
    if (unified && s.controllers.length > 0) enableControllers(unified.mountPoint, unifiedParents(unified), s.controllers);
    writeLimitsV1(record, s.writes);
    if (s.devices) applyDevices(record, s.devices);
  }

  dirs(): string[] {
    return this.files.dirs();
  }

  /** The unit's cgroup does not exist before the init: it starts in tsrunc's own, then moves. */
  cloneIntoDir(): string | undefined {
    return undefined;
  }

  pids(): number[] {
    return fs.existsSync(this.record.dir) || this.record.v1 ? this.files.pids() : [];
  }

  signalAll(signal: number): void {
    this.files.signalAll(signal);
  }

  killMade(): void {
    if (this.record.v1 || fs.existsSync(this.record.dir)) this.files.killMade();
  }

  setFrozen(frozen: boolean): void {
    this.files.setFrozen(frozen);
  }

  stats(): Record<string, unknown> {
    return this.files.stats();
  }

  oomKillCount(): number {
    return this.files.oomKillCount();
  }

  watchOoms(): OomWatch {
    return this.files.watchOoms();
  }

  /** update: the unit's properties first (systemd rewrites the files from them), then the files. */
  applyResources(compiled: CompiledResources, enable: (controllers: string[]) => void): void {
    const props = this.record.v1 ? resourcePropertiesV1(compiled.writes) : resourceProperties(compiled.writes);
    if (compiled.devices) props.push(...deviceProperties(compiled.devices));
    if (props.length > 0) setUnitProperties(this.unit.bus, this.unit.unit, props);
    this.files.applyResources(compiled, enable);
  }

  /** Stops the unit (systemd kills what is left and removes the cgroup) and resets its failed state. */
  *removal(): Steps<void> {
    // systemd does the removal; this process only waits for its job (on this thread: D-Bus).
    stopAndResetUnit(this.unit.bus, this.unit.unit);
    // systemd removes the cgroup of a unit it stops (on v1, in the hierarchies it manages); what
    // is left is removed once empty.
    if (this.record.v1) yield* removeV1(this.record as V1Record);
    else if (fs.existsSync(this.record.dir)) yield* removeCgroup({ dir: this.record.dir, created: true });
  }
}
