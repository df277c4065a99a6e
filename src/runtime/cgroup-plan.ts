// Where the container's cgroup goes and what is written into it, decided before anything is
// created: linux.cgroupsPath + linux.resources against what this host's cgroup2 hierarchy offers.
import { ConfigError, type ConfigProblem } from '../errors';
import type { Spec } from '../generated/config';
import { detectHost } from '../cgroups/host';
import type { CgroupSetup } from '../cgroups/manager';
import { resolveCgroupPath } from '../cgroups/path';
import { compileResources } from '../cgroups/resources';

/**
 * The cgroup set-up for a container, or null on a host without cgroup v2 when the config asks
 * for nothing a cgroup would enforce (the container then simply runs in tsrunc's cgroups).
 */
export function planCgroup(spec: Spec, id: string, warnings: ConfigProblem[]): CgroupSetup | null {
  const host = detectHost();
  const linux = spec.linux ?? {};
  const resources = compileResources(linux.resources, host, { linuxDevices: linux.devices });
  warnings.push(...resources.warnings);
  if (host.unifiedRoot === null && resources.problems.length === 0 && resources.writes.length === 0 && !linux.cgroupsPath) {
    return null;
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
