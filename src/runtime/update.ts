// update: change the resources of a running container. The new values are merged over the
// stored config, compiled exactly like at create (same checks, same errors), written into the
// cgroup, and stored, so `state` and `events` agree with what is enforced.
import { crashPoint } from '../crash-point';
import { updateCgroup } from '../cgroups/plan';
import { TsruncError } from '../errors';
import type { LinuxResources, Spec } from '../generated/config';
import { checkNumbers } from '../spec/load';
import { nulProblems } from '../spec/semantics';
import { validateConfig } from '../spec/validate';
import { withContainer } from './container';

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
 * The patch (from --resources, a file or stdin, or the flags) is held to the schema of
 * linux.resources and the config's string rules before anything is read or written: it is the
 * caller's document, as config.json is (a `"cpus": 3` made the cpuset compiler throw a TypeError).
 */
function checkPatch(patch: unknown, config: Spec, merged: LinuxResources): void {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new TsruncError('INVALID_ARGUMENT', `resources must be a JSON object (linux.resources), got ${patch === null ? 'null' : Array.isArray(patch) ? 'an array' : typeof patch}`, { pointer: '/linux/resources' });
  }
  const doc = { ...config, linux: { ...config.linux, resources: merged } };
  const under = (p: { pointer: string }) => p.pointer.startsWith('/linux/resources');
  const problems = [...checkNumbers(doc), ...validateConfig(doc), ...nulProblems(merged, '/linux/resources')].filter(under);
  if (problems.length > 0) {
    throw new TsruncError('INVALID_ARGUMENT', `invalid resources: ${problems.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`, { pointer: problems[0].pointer });
  }
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
  withContainer(root, id, {}, (c) => {
    const stored = c.stored;
    if (c.status() === 'stopped') throw new TsruncError('INVALID_STATE', `container ${id} is not running`);
    if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to update`);
    const linux = (stored.config.linux ??= {});
    const valid = patch !== null && typeof patch === 'object' && !Array.isArray(patch);
    const merged = valid ? unlimitedSwapWithMemory(mergeResources(linux.resources, patch), patch) : {};
    checkPatch(patch, stored.config, merged);
    // Stored only once written: a write the kernel refuses leaves the state as it was.
    updateCgroup(stored.cgroup, merged, stored.config, id);
    crashPoint('update:written');
    linux.resources = merged;
    c.dir.write(stored);
  });
}
