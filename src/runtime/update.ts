// update: change the resources of a running container. The new values are merged over the
// stored config, compiled exactly like at create (same checks, same errors), written into the
// cgroup, and stored, so `state` and `events` agree with what is enforced.
import { crashPoint } from '../crash-point';
import { updateCgroup } from '../cgroups/plan';
import { TsruncError } from '../errors';
import type { LinuxResources } from '../generated/config';
import { ContainerDir } from '../state/store';
import { deriveStatus } from './status';

/** blockIO's per-device lists: a device given in a patch replaces that device's entry only (runc 1.5). */
const PER_DEVICE = ['weightDevice', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'];

type Device = { major: number | bigint; minor: number | bigint } & Record<string, unknown>;

/** `base` with each device of `patch` updated in place (a weight device's fields merged) or appended. */
function upsertDevices(base: unknown, patch: Device[]): Device[] {
  const out = Array.isArray(base) ? base.map((d: Device) => ({ ...d })) : [];
  for (const dev of patch) {
    let i = out.length - 1; // the last entry of a device is the one in force
    while (i >= 0 && !(BigInt(out[i]!.major) === BigInt(dev.major) && BigInt(out[i]!.minor) === BigInt(dev.minor))) i--;
    if (i >= 0) out[i] = { ...out[i], ...dev };
    else out.push({ ...dev });
  }
  return out;
}

/**
 * Fields given in `patch` replace those of `base`, object by object (other arrays as a whole); a
 * blockIO per-device list updates the devices it names and keeps the others, as runc 1.5 does.
 */
export function mergeResources(base: LinuxResources = {}, patch: LinuxResources = {}): LinuxResources {
  const out: Record<string, unknown> = { ...base };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [key, value] of Object.entries(patch)) {
    const old = out[key];
    if (!isObject(value) || !isObject(old)) {
      out[key] = value;
      continue;
    }
    const merged: Record<string, unknown> = { ...old, ...value };
    if (key === 'blockIO') {
      for (const list of PER_DEVICE) {
        if (Array.isArray(value[list])) merged[list] = upsertDevices(old[list], value[list] as Device[]);
      }
    }
    out[key] = merged;
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
