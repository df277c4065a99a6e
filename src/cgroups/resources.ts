// linux.resources -> everything the container's cgroup needs: the file writes in order, the controllers
// its ancestors must enable, and the device filter. Pure: the host is passed in (see host.ts).
//
// Write order follows runc's fs2 Manager.Set: pids, memory, io, cpu (+ cpuset), hugetlb, rdma, and
// unified last so that a unified key overrides a structured field.

import { pointer, type ConfigProblem } from '../errors';
import type { LinuxResources } from '../generated/config';
import { controllerOf, unavailableReason } from './availability';
import { compileCpu } from './cpu';
import { compileDeviceFilter, type DeviceFilter } from './devices';
import type { CgroupHost } from './host';
import { compileHugetlb } from './hugetlb';
import { compileIo } from './io';
import { compileMemory } from './memory';
import { compilePids } from './pids';
import { compileRdma } from './rdma';
import { ResultBuilder, type CgroupWrite, type ControllerResult } from './types';
import { compileUnified } from './unified';

export interface CompiledResources {
  /** Writes into the container's cgroup, in order. */
  writes: CgroupWrite[];
  /** Controllers the writes use: each ancestor's cgroup.subtree_control must enable them. */
  controllers: string[];
  /** The device filter to attach as eBPF (device-bpf.ts); absent when there are problems. */
  devices?: DeviceFilter;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

export interface CompileResourcesOptions {
  /** linux.devices: a listed path replaces runc's built-in device rule for it, as in runc. */
  linuxDevices?: readonly { path: string }[];
}

const CONTROLLER_COMPILERS: ((resources: LinuxResources, host: CgroupHost) => ControllerResult)[] = [
  compilePids,
  compileMemory,
  compileIo,
  compileCpu,
  compileHugetlb,
  compileRdma,
];

export function compileResources(
  resources: LinuxResources | undefined,
  host: CgroupHost,
  options: CompileResourcesOptions = {},
): CompiledResources {
  const r = resources ?? {};
  const structured = CONTROLLER_COMPILERS.map((compile) => compile(r, host));
  const unified = compileUnified(r, host);
  const out = new ResultBuilder();
  for (const part of [...structured, unified]) {
    out.writes.push(...part.writes);
    out.problems.push(...part.problems);
    out.warnings.push(...part.warnings);
  }
  warnOverrides(structured.flatMap((p) => p.writes), unified.writes, out);
  warnNetwork(r, out);

  const controllers: string[] = [];
  const reported = new Set<string>();
  for (const w of out.writes) {
    const controller = controllerOf(w.file);
    if (controller === null) continue;
    const why = unavailableReason(controller, host);
    if (why === undefined) {
      if (!controllers.includes(controller)) controllers.push(controller);
    } else if (!reported.has(w.pointer)) {
      reported.add(w.pointer);
      out.problem(w.pointer, why);
    }
  }

  const devices = compileDeviceFilter(r.devices, options.linuxDevices);
  out.problems.push(...devices.problems);

  const result: CompiledResources = { writes: out.writes, controllers, problems: out.problems, warnings: out.warnings };
  if (out.problems.length === 0 && devices.filter) result.devices = devices.filter;
  return result;
}

/** A unified key that rewrites a file a structured field already wrote wins, as in runc: say so. */
function warnOverrides(structured: readonly CgroupWrite[], unified: readonly CgroupWrite[], out: ResultBuilder): void {
  const warned = new Set<string>();
  for (const u of unified) {
    const earlier = structured.find((w) => w.file === u.file);
    if (earlier && !warned.has(u.pointer)) {
      warned.add(u.pointer);
      out.warn(u.pointer, `overrides ${earlier.pointer}, which also writes ${u.file} (unified is written last)`);
    }
  }
}

/** net_cls and net_prio exist only in cgroup v1; runc ignores them on v2. */
function warnNetwork(r: LinuxResources, out: ResultBuilder): void {
  const network = r.network;
  if (!network) return;
  if (network.classID !== undefined && network.classID !== 0) {
    out.warn(pointer('linux', 'resources', 'network', 'classID'), 'net_cls exists only in cgroup v1; ignored, as runc does on cgroup v2');
  }
  if ((network.priorities ?? []).length > 0) {
    out.warn(pointer('linux', 'resources', 'network', 'priorities'), 'net_prio exists only in cgroup v1; ignored, as runc does on cgroup v2');
  }
}
