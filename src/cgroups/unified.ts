// linux.resources.unified: cgroup v2 files written as given, after every structured field (so a
// unified key overrides what a field wrote, as in runc). Multi-line values are written line by line,
// as runc's WriteFileByLine does: files such as io.max take one line per write.
//
// A key must name a file of the container's own cgroup: a plain name (no "/", ".", ".."), in the form
// CONTROLLER.PARAMETER. Whether the controller exists on this host is checked by compileResources,
// alike for every write. Of the core "cgroup.*" files, those that would undermine the runtime are
// refused; the rest (cgroup.max.depth, cgroup.max.descendants, cgroup.pressure) only constrain the
// container's own subtree and are allowed.

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

const RUNTIME_OWNED: Record<string, string> = {
  'cgroup.procs': 'writing it moves processes: a config could pull any host process into the container\'s cgroup; tsrunc places the container itself',
  'cgroup.threads': 'writing it moves threads: a config could pull any host thread into the container\'s cgroup; tsrunc places the container itself',
  'cgroup.subtree_control': 'enabling controllers for sub-cgroups would forbid processes in the container\'s own cgroup (the "no internal processes" rule), so its init could not be placed; tsrunc manages it',
  'cgroup.type': 'making the cgroup threaded cannot be undone and disables the memory and io controllers',
  'cgroup.kill': 'it kills every process of the cgroup; that is what `tsrunc kill` and `delete` are for',
  'cgroup.freeze': 'a frozen cgroup would stop the init before it reports ready, so create would hang; that is what pause and resume are for',
};

export function compileUnified(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  for (const [key, value] of Object.entries(resources.unified ?? {})) {
    if (value === undefined) continue;
    const ptr = resourcePointer('unified', key);
    const why = keyProblem(key);
    if (why) {
      out.problem(ptr, why);
      continue;
    }
    for (const line of splitLines(value)) out.write(key, line, ptr);
  }
  return out.result();
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'a unified key must name a cgroup file; it is empty';
  if (key.includes('/') || key.includes('\0')) return `"${key}" must be a file name of the container's cgroup, not a path`;
  if (key === '.' || key === '..') return `"${key}" is not a cgroup file`;
  const owned = RUNTIME_OWNED[key];
  if (owned) return `"${key}" cannot be set from config.json: ${owned}`;
  const dot = key.indexOf('.');
  if (dot <= 0 || dot === key.length - 1) return `"${key}" must be in the form CONTROLLER.PARAMETER (e.g. memory.high)`;
  return undefined;
}

/** Splits like runc's WriteFileByLine: every line keeps its "\n"; a trailing empty piece is dropped. */
function splitLines(value: string): string[] {
  if (!value.includes('\n')) return [value];
  const pieces = value.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return pieces;
}
