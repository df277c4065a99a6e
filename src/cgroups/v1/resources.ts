// linux.resources -> the writes of the cgroup v1 driver, per controller (the file name's prefix says
// which hierarchy it goes to), in runc's fs driver order: cpuset, memory, cpu, pids, blkio, hugetlb,
// net_cls, net_prio, rdma. Pure: the host is passed in.
//
// On a hybrid host a controller that cgroup v1 does not own but the cgroup2 tree offers (hugetlb
// here) is used there, with its cgroup v2 files. `unified` is refused, as runc refuses it on v1.
// Device rules become devices.allow/deny writes once the cgroup's current list is known
// (devices.ts here); the filter itself is computed exactly as for the eBPF program.

import { pointer } from '../../errors';
import type { LinuxResources } from '../../generated/config';
import { controllerOf } from '../availability';
import { compileDeviceFilter } from '../devices';
import type { CgroupHost } from '../host';
import { compileHugetlb, HUGETLB_V1_FILES, HUGETLB_V2_FILES } from '../hugetlb';
import { compilePids } from '../pids';
import { compileRdma } from '../rdma';
import type { CompiledResources, CompileResourcesOptions } from '../resources';
import { ResultBuilder, resourcePointer, type ControllerResult } from '../types';
import { compileBlkioV1 } from './blkio';
import { compileCpuV1 } from './cpu';
import { compileMemoryV1 } from './memory';
import { compileNetworkV1 } from './network';

/** Where a controller lives for the v1 driver: a v1 hierarchy, the cgroup2 tree, or nowhere. */
export function controllerHome(controller: string, host: CgroupHost): 'v1' | 'unified' | undefined {
  if (host.v1Hierarchies.some((h) => h.controllers.includes(controller))) return 'v1';
  if (host.unifiedRoot !== null && host.controllers.includes(controller)) return 'unified';
  return undefined;
}

export function compileResourcesV1(resources: LinuxResources | undefined, host: CgroupHost, options: CompileResourcesOptions = {}): CompiledResources {
  const r = resources ?? {};
  const hugetlbFiles = controllerHome('hugetlb', host) === 'unified' ? HUGETLB_V2_FILES : HUGETLB_V1_FILES;
  const parts: ControllerResult[] = [
    compileCpuV1(r, host),
    compileMemoryV1(r),
    compilePids(r, host),
    compileBlkioV1(r),
    compileHugetlb(r, host, hugetlbFiles),
    compileNetworkV1(r),
    compileRdma(r, host),
  ];
  const out = new ResultBuilder();
  for (const part of parts) {
    out.writes.push(...part.writes);
    out.problems.push(...part.problems);
    out.warnings.push(...part.warnings);
  }
  for (const key of Object.keys(r.unified ?? {})) {
    out.problem(resourcePointer('unified', key), `"${key}" is a cgroup v2 file, but this ${host.mode} host's controllers are in cgroup v1, which has no unified hierarchy for them (runc refuses unified there too)`);
  }

  const controllers: string[] = [];
  const reported = new Set<string>();
  for (const w of out.writes) {
    const controller = controllerOf(w.file)!;
    const home = controllerHome(controller, host);
    if (home === 'unified' && !controllers.includes(controller)) controllers.push(controller);
    if (home === undefined && !reported.has(w.pointer)) {
      reported.add(w.pointer);
      out.problem(w.pointer, `this host has no ${controller} controller: no cgroup v1 hierarchy has it${host.unifiedRoot ? ` and the cgroup2 tree offers ${host.controllers.join(' ') || 'none'}` : ''}`);
    }
  }

  const devices = compileDeviceFilter(r.devices, options.linuxDevices);
  out.problems.push(...devices.problems);
  // Without the v1 controller, or for a hole it cannot express, the eBPF filter on the cgroup2 tree
  // of a hybrid host enforces the rules (applyDevices); a legacy host has nothing to attach it to.
  if (host.unifiedRoot === null && controllerHome('devices', host) !== 'v1') {
    out.problem(pointer('linux', 'resources', 'devices'), 'this host has no devices controller in cgroup v1 and no cgroup2 tree for an eBPF device filter: device rules cannot be enforced');
  } else if (host.unifiedRoot === null && devices.hole) {
    out.problem(devices.hole.pointer, `${devices.hole.message}; this legacy host has no cgroup2 tree for the eBPF filter that could (runc refuses this too)`);
  }
  const result: CompiledResources = { writes: out.writes, controllers, problems: out.problems, warnings: out.warnings };
  if (out.problems.length === 0 && devices.filter) result.devices = devices.filter;
  return result;
}
