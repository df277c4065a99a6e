// update: change the resources of a running container. The new values are merged over the
// stored config, compiled exactly like at create (same checks, same errors), written into the
// cgroup, and stored, so `state` and `events` agree with what is enforced.
import { crashPoint } from '../crash-point';
import { updateCgroup } from '../cgroups/plan';
import { TsruncError } from '../errors';
import type { LinuxResources } from '../generated/config';
import { ContainerDir } from '../state/store';
import { deriveStatus } from './status';

/** Fields given in `patch` replace those of `base`, object by object (arrays as a whole). */
export function mergeResources(base: LinuxResources = {}, patch: LinuxResources = {}): LinuxResources {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const old = out[key];
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isObject(value) && isObject(old) ? { ...(old as object), ...(value as object) } : value;
  }
  return out as LinuxResources;
}

/**
 * runc: an update that makes memory unlimited (`--memory -1`) without a swap value makes swap
 * unlimited too, whatever the stored config said (with the old memory+swap limit kept, the kernel
 * would refuse memory above it). An unset swap beside a limit of -1 means exactly that.
 */
function unlimitedSwapWithMemory(merged: LinuxResources, patch: LinuxResources): LinuxResources {
  const memory = patch.memory;
  if (memory?.limit === undefined || String(memory.limit) !== '-1' || memory.swap !== undefined || !merged.memory) return merged;
  const memoryOut = { ...merged.memory };
  delete memoryOut.swap;
  return { ...merged, memory: memoryOut };
}

export function update(root: string, id: string, patch: LinuxResources): void {
  const dir = ContainerDir.open(root, id);
  try {
    const stored = dir.read();
    if (deriveStatus(dir, stored) === 'stopped') throw new TsruncError('INVALID_STATE', `container ${id} is not running`);
    if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to update`);
    const linux = (stored.config.linux ??= {});
    const merged = unlimitedSwapWithMemory(mergeResources(linux.resources, patch), patch);
    // Stored only once written: a write the kernel refuses leaves the state as it was.
    updateCgroup(stored.cgroup, merged, stored.config, id);
    crashPoint('update:written');
    linux.resources = merged;
    dir.write(stored);
  } finally {
    dir.unlock();
  }
}
