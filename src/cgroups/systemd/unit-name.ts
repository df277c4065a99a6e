// linux.cgroupsPath under the systemd cgroup driver, read as runc reads it
// (libcontainer/cgroups/systemd): "slice:prefix:name" names the transient unit "prefix-name.scope"
// started in "slice" (a name ending in ".slice" makes that slice the unit instead). An empty
// slice means system.slice (user.slice for a user instance); an empty cgroupsPath means
// ":runc:<id>", runc's default unit name, so tools that look for runc-<id>.scope find it.
// Slices nest by their dashes, as systemd nests them: "a-b.slice" lives at /a.slice/a-b.slice.

import { pointer, type ConfigProblem } from '../../errors';

export interface SystemdPlacement {
  slice: string;
  unit: string;
  /** The unit's cgroup in the cgroup2 hierarchy: "/system.slice/docker-abc.scope". */
  path: string;
}

const CGROUPS_PATH = pointer('linux', 'cgroupsPath');
// What systemd accepts in a unit name (unit_name_is_valid: letters, digits, ":-_.\").
const UNIT_CHARS = /^[A-Za-z0-9:_.\\-]+$/;
const UNIT_NAME_MAX = 255;

/** "a-b.slice" -> "/a.slice/a-b.slice" (runc's ExpandSlice); a string says why it is refused. */
export function expandSlice(slice: string): string | { error: string } {
  const bad = { error: `invalid slice name "${slice}"` };
  if (!slice.endsWith('.slice') || slice.length <= '.slice'.length || slice.includes('/')) return bad;
  const stem = slice.slice(0, -'.slice'.length);
  if (stem === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of stem.split('-')) {
    if (part === '') return bad; // "a--b.slice", "-a.slice"
    out += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return out;
}

/** The unit for container `id`; on failure, placement is absent and problems say why. */
export function resolveSystemdPath(
  cgroupsPath: string | undefined,
  id: string,
  defaultSlice = 'system.slice',
): { placement?: SystemdPlacement; problems: ConfigProblem[] } {
  const raw = cgroupsPath ?? '';
  const parts = raw === '' ? ['', 'runc', id] : raw.split(':');
  const fail = (message: string) => ({ problems: [{ pointer: CGROUPS_PATH, message }] });
  if (parts.length !== 3) {
    return fail(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${raw}" instead`);
  }
  const [sliceField, prefix, name] = parts as [string, string, string];
  const slice = sliceField === '' ? defaultSlice : sliceField;
  const sliceDir = expandSlice(slice);
  if (typeof sliceDir !== 'string') return fail(`"${raw}": ${sliceDir.error} (a slice is "<name>.slice", nested by dashes, without "/")`);
  if (name === '') return fail(`"${raw}": the name part is empty`);
  let unit: string;
  let path: string;
  if (name.endsWith('.slice')) {
    // A slice unit sits where its own name puts it, whatever the slice field says.
    const own = expandSlice(name);
    if (typeof own !== 'string') return fail(`"${raw}": ${own.error}`);
    unit = name;
    path = own;
  } else {
    unit = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
    path = `${sliceDir === '/' ? '' : sliceDir}/${unit}`;
  }
  if (!UNIT_CHARS.test(unit) || unit.length > UNIT_NAME_MAX) {
    return fail(`"${raw}": "${unit}" is not a valid systemd unit name (letters, digits and ":-_.\\" only, at most ${UNIT_NAME_MAX} characters)`);
  }
  return { placement: { slice, unit, path }, problems: [] };
}
