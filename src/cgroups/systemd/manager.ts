// The systemd cgroup driver (runc's libcontainer/cgroups/systemd, on cgroup v2): a transient unit
// owns the container's cgroup. create starts the unit around the init's pid (StartTransientUnit
// with PIDs, Delegate, the accounting and resource properties; runc's set), then writes every limit
// into the cgroup files exactly as the cgroup v2 driver does: systemd's properties do not cover
// everything (hugetlb, rdma, unified keys, the full device rules). Freezing, signalling, listing
// and statistics go through the cgroup files, as runc does them; update sets the unit's properties
// and the files; delete stops the unit (systemd removes the cgroup) and resets its failed state.
import * as fs from 'node:fs';

import type { CgroupManager, OomWatch } from '../cgroup-manager';
import { CGROUPS_PATH_POINTER, writeCgroupFile } from '../cgroupfs';
import type { DeviceFilter } from '../devices';
import type { CgroupRecord, SystemdUnitRecord } from '../record';
import type { CompiledResources } from '../resources';
import type { CgroupWrite } from '../types';
import { attachDevices, enableControllers, removeCgroup, V2Manager, writeLimits } from '../v2/manager';
import { setUnitProperties, startTransientUnit, stopAndResetUnit } from './dbus';
import { deviceProperties, resourceProperties, type UnitProperty } from './properties';

export interface SystemdSetup {
  driver: 'systemd';
  unit: string;
  slice: string;
  bus: 'system' | 'user';
  /** The unit's cgroup directory once it runs (systemd makes it). */
  dir: string;
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
  private readonly files: V2Manager;
  private readonly unit: SystemdUnitRecord;

  constructor(readonly record: CgroupRecord) {
    this.unit = record.systemd!;
    this.files = new V2Manager({ dir: record.dir, created: true });
  }

  /** Nothing exists before the init does: a scope needs a process (start). */
  static setUp(s: SystemdSetup): CgroupRecord {
    return SystemdManager.planned(s);
  }

  static planned(s: SystemdSetup): CgroupRecord {
    return { dir: s.dir, created: true, systemd: { unit: s.unit, slice: s.slice, bus: s.bus } };
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
      ['IOAccounting', 'b', true],
      ['TasksAccounting', 'b', true],
      ...resourceProperties(s.writes),
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
      // A slice holds no processes of its own in systemd's model: the init goes in by hand.
      if (s.unit.endsWith('.slice')) writeCgroupFile(`${s.dir}/cgroup.procs`, String(pid), CGROUPS_PATH_POINTER, 'SETUP_FAILED');
      if (s.controllers.length > 0) enableControllers(s.unifiedRoot, s.parents, s.controllers);
      writeLimits(s.dir, s.writes);
      if (s.devices) attachDevices(s.dir, s.devices);
    } catch (e) {
      try {
        new SystemdManager(record).remove();
      } catch {
        // the first error is the one to report
      }
      throw e;
    }
  }

  dirs(): string[] {
    return [this.record.dir];
  }

  /** The unit's cgroup does not exist before the init: it starts in tsrunc's own, then moves. */
  cloneIntoDir(): string | undefined {
    return undefined;
  }

  pids(): number[] {
    return fs.existsSync(this.record.dir) ? this.files.pids() : [];
  }

  signalAll(signal: number): void {
    this.files.signalAll(signal);
  }

  killMade(): void {
    if (fs.existsSync(this.record.dir)) this.files.killMade();
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
    const props = resourceProperties(compiled.writes);
    if (compiled.devices) props.push(...deviceProperties(compiled.devices));
    if (props.length > 0) setUnitProperties(this.unit.bus, this.unit.unit, props);
    this.files.applyResources(compiled, enable);
  }

  /** Stops the unit (systemd kills what is left and removes the cgroup) and resets its failed state. */
  remove(): void {
    stopAndResetUnit(this.unit.bus, this.unit.unit);
    // systemd removes the cgroup of a unit it stops; one it could not is removed once empty.
    if (fs.existsSync(this.record.dir)) removeCgroup({ dir: this.record.dir, created: true });
  }

  /** The same as remove(): systemd does the removal, this process only waits for its job. */
  async removeAsync(): Promise<void> {
    this.remove();
  }
}
