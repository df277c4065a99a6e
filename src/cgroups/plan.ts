// Where the container's cgroup goes and what is written into it, decided before anything is
// created: linux.cgroupsPath + linux.resources against what this host mounts. The driver follows
// from the host (host.ts): a unified host gets the cgroup v2 driver; a hybrid or legacy host, whose
// controllers live in cgroup v1 hierarchies, the cgroup v1 driver (v1/), as runc chooses. The
// global --systemd-cgroup flag chooses the systemd driver instead (systemd/), whose unit's cgroup
// then gets its limits from the cgroupfs driver of the host's cgroup version.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigError, TsruncError, type ConfigProblem } from '../errors';
import type { LinuxResources, Spec } from '../generated/config';
import { managerFor, type AnySetup, type CgroupRecord } from './cgroup-manager';
import { enableControllers } from './v2/manager';
import { detectHost, detectHostCached, type CgroupHost } from './host';
import { resolveCgroupPath } from './path';
import { memoryLimitBelowUsage } from './memory';
import { resourcesOfVersion } from './pids';
import { compileResources, type CompiledResources } from './resources';
import { resolveV1Paths, unifiedParents, type V1Location } from './v1/paths';
import { compileResourcesV1 } from './v1/resources';
import { warmPlacement as warmPlacementV1 } from './v1/manager';
import { eventLoopWaits } from '../process/waits';
import { annotationProperties } from './systemd/properties';
import type { SystemdSetup } from './systemd/manager';
import { resolveSystemdPath } from './systemd/unit-name';
import { isRootless } from '../rootless';

export type CgroupDriverName = 'v1' | 'v2';

/** The driver for this host, and why (for `features` and the README). */
export function chooseDriver(host: CgroupHost): { driver: CgroupDriverName; why: string } {
  switch (host.mode) {
    case 'unified':
      return { driver: 'v2', why: `cgroup2 is mounted at ${host.unifiedRoot} and holds every controller` };
    case 'hybrid':
      return { driver: 'v1', why: `hybrid host: cgroup v1 hierarchies own ${host.v1Controllers.join(', ')}; the cgroup2 tree at ${host.unifiedRoot} gets the container too (it offers ${host.controllers.join(' ') || 'no controllers'})` };
    case 'legacy':
      return { driver: 'v1', why: 'legacy host: cgroup v1 only' };
  }
}

/**
 * linux.resources compiled for the given driver (create and update). A rootless caller gets no
 * device filter: no unprivileged process may load a cgroup device program (BPF_PROG_TYPE_CGROUP_DEVICE
 * needs CAP_SYS_ADMIN over the host) nor write a v1 devices cgroup. runc ignores the device
 * controller's errors when rootless for the same reason; such a container reaches only the device
 * nodes bound from the host, which its user could open anyway.
 */
export function compileFor(driver: CgroupDriverName, resources: LinuxResources | undefined, host: CgroupHost, linuxDevices?: readonly { path: string }[]): CompiledResources {
  const compiled = driver === 'v1' ? compileResourcesV1(resources, host, { linuxDevices }) : compileResources(resources, host, { linuxDevices });
  return isRootless() && compiled.devices ? { ...compiled, devices: undefined } : compiled;
}

/** The cgroup set-up for a container; throws ConfigError naming every field that cannot be had. */
export function planCgroup(spec: Spec, id: string, warnings: ConfigProblem[], options: { systemd?: boolean } = {}): AnySetup {
  const host = detectHostCached();
  const linux = spec.linux ?? {};
  if (options.systemd) return planSystemd(spec, id, warnings, host);
  const { driver } = chooseDriver(host);
  const resources = compileFor(driver, resourcesOfVersion(linux.resources, spec.ociVersion), host, linux.devices);
  warnings.push(...resources.warnings);
  if (driver === 'v1') {
    const { locations, problems } = resolveV1Paths(linux.cgroupsPath, id, host);
    const all = [...problems, ...resources.problems];
    if (all.length > 0) throw new ConfigError(all);
    return { driver: 'v1', locations, controllers: resources.controllers, writes: resources.writes, devices: resources.devices, ownDir: ownV1Dir(host) };
  }
  const { placement, problems } = resolveCgroupPath(linux.cgroupsPath, id, host);
  const all = [...problems, ...resources.problems];
  if (all.length > 0 || !placement) throw new ConfigError(all);
  return {
    unifiedRoot: host.unifiedRoot!,
    dir: placement.dir,
    parents: placement.parents,
    controllers: resources.controllers,
    writes: resources.writes,
    devices: resources.devices,
  };
}

/**
 * The systemd driver's set-up: the unit, its properties, and the writes for its cgroup, those of the
 * cgroupfs driver this host would get (v2 on a unified host; v1 on a hybrid or legacy one, in the
 * unit's cgroup of every hierarchy, as runc's systemd v1.go).
 */
function planSystemd(spec: Spec, id: string, warnings: ConfigProblem[], host: CgroupHost): SystemdSetup {
  const linux = spec.linux ?? {};
  if (!fs.existsSync('/run/systemd/system')) {
    throw new TsruncError('NOT_SUPPORTED', '--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)');
  }
  const { driver } = chooseDriver(host);
  const resources = compileFor(driver, resourcesOfVersion(linux.resources, spec.ociVersion), host, linux.devices);
  warnings.push(...resources.warnings);
  // A rootless caller's units go to its own systemd instance (user@UID.service, which delegates
  // a cgroup2 subtree to it), in user.slice by default: runc's rootless systemd driver.
  const bus = isRootless() ? 'user' : 'system';
  if (bus === 'user' && driver === 'v1') {
    throw new TsruncError('NOT_SUPPORTED', '--systemd-cgroup as a rootless caller needs cgroup v2: a systemd user instance is delegated a cgroup2 subtree only (runc: "cannot use rootless systemd cgroups manager on cgroup v1")');
  }
  const { placement, problems } = resolveSystemdPath(linux.cgroupsPath, id, bus === 'user' ? 'user.slice' : 'system.slice');
  const annotations = annotationProperties(spec.annotations as Record<string, string> | undefined);
  const all = [...problems, ...resources.problems, ...annotations.problems];
  const v1 = driver === 'v1' && placement ? systemdV1Locations(placement.path, host, all) : undefined;
  if (all.length > 0 || !placement) throw new ConfigError(all);
  const main = v1 ? (v1.find((l) => l.key === '') ?? v1.find((l) => l.key.split(',').includes('freezer')) ?? v1[0]) : undefined;
  // The unit's cgroup is below its manager's: the root for the system instance, user@UID.service
  // for a user's. Only from there down are the ancestors the driver's to enable controllers in.
  const managerDir = v1 ? '/' : systemdManagerDir(bus);
  const unitPath = (managerDir === '/' ? '' : managerDir) + placement.path;
  return {
    driver: 'systemd',
    unit: placement.unit,
    slice: placement.slice,
    bus,
    dir: main ? main.dir : host.unifiedRoot!.replace(/\/+$/, '') + unitPath,
    ...(v1 ? { v1 } : {}),
    unifiedRoot: host.unifiedRoot ?? '',
    parents: ancestors(unitPath).filter((p) => managerDir === '/' || p === managerDir || p.startsWith(managerDir + '/')),
    controllers: resources.controllers,
    writes: resources.writes,
    devices: resources.devices,
    extraProperties: annotations.props,
    description: `tsrunc container ${id}`,
  };
}

/** The systemd instance's own cgroup (the addon loads only here: a --systemd-cgroup create). */
function systemdManagerDir(bus: 'system' | 'user'): string {
  if (bus === 'system') return '/';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dir = (require('./systemd/dbus') as typeof import('./systemd/dbus')).managerControlGroup(bus);
  return dir.replace(/\/+$/, '') || '/';
}

/**
 * A cgroup v1 host: the unit's cgroup (a path from systemd's root) in every hierarchy, and in the
 * cgroup2 tree of a hybrid host. A hierarchy mounted from below its root (a cgroup namespace, a
 * bind) does not show where systemd puts the unit: a problem then.
 */
function systemdV1Locations(unitPath: string, host: CgroupHost, problems: ConfigProblem[]): V1Location[] {
  const hierarchies = host.v1Hierarchies.map((h) => ({ key: h.controllers.join(','), mountPoint: h.mountPoint, root: h.root }));
  if (host.unifiedRoot !== null) hierarchies.push({ key: '', mountPoint: host.unifiedRoot, root: host.unifiedMountRoot ?? '/' });
  const locations: V1Location[] = [];
  for (const h of hierarchies) {
    if (h.root.replace(/\/+$/, '') !== '') {
      problems.push({ pointer: '/linux/cgroupsPath', message: `the ${h.key || 'cgroup2'} hierarchy is mounted at ${h.mountPoint} from ${h.root}, not its root: systemd's unit cgroup ${unitPath} is not visible there` });
      continue;
    }
    locations.push({ key: h.key, dir: h.mountPoint.replace(/\/+$/, '') + unitPath, mountPoint: h.mountPoint });
  }
  if (locations.length === 0 && problems.length === 0) problems.push({ pointer: '/linux/cgroupsPath', message: 'this host mounts no cgroup hierarchy' });
  return locations;
}

/** "/a/b/c" -> ["/", "/a", "/a/b"]. */
function ancestors(cgPath: string): string[] {
  const parts = cgPath.split('/').filter(Boolean);
  return parts.map((_, i) => '/' + parts.slice(0, i).join('/'));
}

/**
 * v1 warmPlacement started before the container's cgroup is even planned, on the thread pool: the
 * kernel's grace period (5-20 ms of wall time, no CPU) then passes while this process validates
 * the config and compiles the plan, and the writes that follow soon after (warmPlacement,
 * placeInit) find the lock ready. For a caller that places one container (the CLI's create and
 * run); the systemd driver places through systemd and is left out.
 */
export function warmPlacementEarly(): void {
  let host: CgroupHost;
  try {
    host = detectHostCached();
  } catch {
    return; // planCgroup reports it, after the config's own errors
  }
  if (chooseDriver(host).driver !== 'v1') return;
  // On the thread pool even for the blocking CLI: the point is that the wait passes meanwhile.
  const steps = warmPlacementV1({ ownDir: ownV1Dir(host) });
  if (steps) eventLoopWaits.run(steps).catch(() => {}); // best effort
}

/** This process's cgroup in the first v1 hierarchy that lists one (for warmPlacement). */
function ownV1Dir(host: CgroupHost): string | undefined {
  for (const h of host.v1Hierarchies) {
    const root = h.root.replace(/\/+$/, '');
    if (h.own === null || (root !== '' && h.own !== root && !h.own.startsWith(root + '/'))) continue;
    return h.mountPoint.replace(/\/+$/, '') + h.own.slice(root.length);
  }
  return undefined;
}

/**
 * update: resources compiled for the driver that placed the container (its record says which), with
 * the same checks and errors as at create, then written into its cgroup(s).
 */
export function updateCgroup(record: CgroupRecord, resources: LinuxResources, spec: Spec, id: string): void {
  const host = detectHost();
  const linux = spec.linux ?? {};
  const driver = record.v1 ? 'v1' : 'v2'; // the systemd driver's files are cgroup v2's
  const manager = managerFor(record);
  const compiled = compileFor(driver, resourcesOfVersion(resources, spec.ociVersion), host, linux.devices);
  if (compiled.problems.length > 0) throw new ConfigError(compiled.problems);
  if (!record.v1) {
    const below = memoryLimitBelowUsage(resources, readMemoryCurrent(record.dir));
    if (below) throw new ConfigError([below]);
  }
  try {
    manager.applyResources(compiled, enable);
  } catch (e) {
    // A write the kernel refused (a memory limit below usage...) may follow writes that went
    // through: put the limits in force before back, so the container keeps what state.json says.
    try {
      manager.applyResources(compileFor(driver, resourcesOfVersion(linux.resources, spec.ociVersion), host, linux.devices), enable);
    } catch {
      // the original error is the one to report
    }
    throw e;
  }

  function enable(controllers: string[]): void {
    if (host.unifiedRoot === null || controllers.length === 0) return;
    const unifiedDir = record.v1 ? record.v1.dirs[''] : record.dir;
    if (unifiedDir === undefined) return;
    const parents = record.v1 ? unifiedParents({ key: '', dir: unifiedDir, mountPoint: host.unifiedRoot })
      : record.systemd ? ancestors(unifiedDir.slice(host.unifiedRoot.replace(/\/+$/, '').length))
      : resolveCgroupPath(linux.cgroupsPath, id, host).placement?.parents ?? [];
    enableControllers(host.unifiedRoot, parents, controllers);
  }
}

/** memory.current of a cgroup v2 directory (0 without the memory controller: nothing to compare). */
function readMemoryCurrent(dir: string): bigint {
  try {
    return BigInt(fs.readFileSync(path.join(dir, 'memory.current'), 'utf8').trim());
  } catch {
    return 0n;
  }
}
