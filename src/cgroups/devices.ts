// linux.resources.devices -> the device filter of the container's cgroup, as runc computes it
// (libcontainer/specconv AllowedDevices + cgroups/devices devices_emulator.go):
//
// 1. The config's rules come first, runc's built-in rules (RUNC_DEFAULT_RULES) are appended after
//    them, exactly where runc puts them, so a config cannot take those away (runc's own comment calls
//    this questionable, and keeps it; Docker relies on it: it denies c 10:229 after its own allows, and
//    runc's "c *:* m" comes after that deny). A built-in rule for a device node path is dropped when
//    linux.devices lists that path, as runc does.
// 2. The rules are applied in order to a cgroup v1 "devices" emulator, starting from deny-all:
//    - type "a" resets everything: allow-all (then the rules that follow add deny exceptions) or
//      deny-all (then they add allow exceptions), whatever its numbers and access;
//    - a rule with the default's action removes access from existing exceptions of the same
//      type:major:minor; a rule with the other action adds an exception.
//    So a later rule overrides an earlier one for the same device.
// 3. The outcome is a default action and a set of exceptions, all with the opposite action, sorted by
//    (major, minor, type) with wildcards (-1) first, as runc sorts them. device-bpf.ts turns that
//    into runc's eBPF program; cgroup v1 gets it as devices.allow/deny writes (v1/devices.ts).
// 4. A rule that takes access back from a device a partial wildcard exception covers (allow c *:* m,
//    then deny c 10:229 m) is a hole the set of exceptions cannot express; runc refuses it. tsrunc
//    keeps the whole ordered list then (`ordered`): the eBPF program evaluates it rule by rule, the
//    last matching rule deciding each access (read, write, mknod) separately. cgroup v1's own
//    devices files cannot express it either (the kernel ignores such a removal), so there the v1
//    rules are the exceptions without the hole, and the ordered eBPF program enforces the hole on
//    the cgroup2 tree of a hybrid host; a legacy host refuses the config (v1/resources.ts).

import { pointer, type ConfigProblem } from '../errors';
import type { LinuxDeviceCgroup } from '../generated/config';
import { readInteger } from './numbers';
import { ResultBuilder } from './types';

export type DeviceRuleType = 'a' | 'c' | 'b';

export interface DeviceRule {
  /** "a" all devices, "c" character, "b" block. */
  type: DeviceRuleType;
  /** -1: any. */
  major: number;
  /** -1: any. */
  minor: number;
  /** Non-empty subset of "rwm" (read, write, mknod), in that order. */
  access: string;
  allow: boolean;
  /** Where it comes from in config.json; "" for runc's built-in rules. */
  pointer: string;
}

export interface DeviceFilter {
  /** The answer for a device that no exception matches. */
  defaultAllow: boolean;
  /** Exceptions to the default (each has allow === !defaultAllow, type "c" or "b"), in runc's order. */
  rules: DeviceRule[];
  /**
   * Only when the exceptions cannot express the rules (a hole in a wildcard): the rules after the
   * last "a" rule, in config order; for each access the last matching one decides, else the default.
   * `rules` then holds the exceptions without the holes (what cgroup v1 itself can enforce).
   */
  ordered?: DeviceRule[];
}

const builtin = (type: DeviceRuleType, major: number, minor: number, access: string, path?: string) =>
  ({ type, major, minor, access, allow: true, pointer: '', ...(path ? { path } : {}) });

/** runc's AllowedDevices (libcontainer/specconv), in runc's order; `path` is the node it stands for. */
export const RUNC_DEFAULT_RULES: readonly (DeviceRule & { path?: string })[] = [
  builtin('c', -1, -1, 'm'), // mknod of any device: creating a node grants no access to it
  builtin('b', -1, -1, 'm'),
  builtin('c', 1, 3, 'rwm', '/dev/null'),
  builtin('c', 1, 8, 'rwm', '/dev/random'),
  builtin('c', 1, 7, 'rwm', '/dev/full'),
  builtin('c', 5, 0, 'rwm', '/dev/tty'),
  builtin('c', 1, 5, 'rwm', '/dev/zero'),
  builtin('c', 1, 9, 'rwm', '/dev/urandom'),
  builtin('c', 136, -1, 'rwm'), // /dev/pts/*
  builtin('c', 5, 2, 'rwm'), // /dev/ptmx
  builtin('c', 10, 200, 'rwm'), // /dev/net/tun: removed in runc 1.2.0, restored in 1.2.4 (users relied on it)
];

/** The list the emulator applies in order: the config's rules, then runc's built-in allows (runc's order). */
export function deviceRulesFromConfig(
  devices: readonly LinuxDeviceCgroup[] = [],
  linuxDevices: readonly { path: string }[] = [],
): { rules: DeviceRule[]; problems: ConfigProblem[] } {
  const out = new ResultBuilder();
  const rules: DeviceRule[] = [];
  devices.forEach((d, i) => {
    const problemsBefore = out.problems.length;
    const at = (field?: string) => pointer('linux', 'resources', 'devices', i, ...(field ? [field] : []));
    const type = d.type === undefined || d.type === '' ? 'a' : d.type;
    if (type !== 'a' && type !== 'b' && type !== 'c') {
      out.problem(at('type'), `unknown device type "${type}": use "a" (all), "c" (character) or "b" (block)`);
    }
    const major = deviceNumber(d.major, at('major'), out);
    const minor = deviceNumber(d.minor, at('minor'), out);
    const access = canonicalAccess(d.access ?? '');
    if (access === undefined) {
      out.problem(at('access'), d.access ? `"${d.access}" is not an access: use letters of "rwm" (read, write, mknod)`
        : 'access cannot be empty: say which of r, w, m (read, write, mknod) the rule covers');
    }
    if (out.problems.length === problemsBefore) rules.push({ type: type as DeviceRuleType, major: major!, minor: minor!, access: access!, allow: d.allow === true, pointer: at() });
  });
  const listed = new Set(linuxDevices.map((d) => d.path));
  const builtins = RUNC_DEFAULT_RULES.filter((r) => r.path === undefined || !listed.has(r.path)).map(({ path: _path, ...rule }) => rule);
  rules.push(...builtins);
  return { rules, problems: out.problems };
}

/**
 * Applies rules in order, as runc's devices emulator does. Where runc refuses a hole in a wildcard,
 * the filter also keeps the ordered rules (see `ordered`), and `hole` says which rule made one.
 */
export function emulateDeviceRules(rules: readonly DeviceRule[]): { filter: DeviceFilter; problems: ConfigProblem[]; hole?: ConfigProblem } {
  const emulator = new Emulator();
  let hole: ConfigProblem | undefined;
  for (const rule of rules) hole = emulator.apply(rule) ?? (rule.type === 'a' ? undefined : hole);
  const filter = emulator.filter();
  if (hole) {
    let lastReset = -1;
    rules.forEach((r, i) => {
      if (r.type === 'a') lastReset = i;
    });
    filter.ordered = rules.slice(lastReset + 1);
  }
  return { filter, problems: [], ...(hole ? { hole } : {}) };
}

/** linux.resources.devices (and linux.devices, for the built-in rules it replaces) -> the filter. */
export function compileDeviceFilter(
  devices?: readonly LinuxDeviceCgroup[],
  linuxDevices?: readonly { path: string }[],
): { filter?: DeviceFilter; problems: ConfigProblem[]; hole?: ConfigProblem } {
  const { rules, problems } = deviceRulesFromConfig(devices, linuxDevices);
  return problems.length > 0 ? { problems } : emulateDeviceRules(rules);
}

/** Whether a rule names the device (its type, and its numbers or wildcards). */
export function ruleMatches(rule: DeviceRule, type: 'c' | 'b', major: number, minor: number): boolean {
  return rule.type === type && (rule.major === -1 || rule.major === major) && (rule.minor === -1 || rule.minor === minor);
}

/** Whether the filter lets `access` ("r", "w" or "m") through to a device, as the eBPF program would. */
export function filterAllows(filter: DeviceFilter, type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  if (filter.ordered) {
    // Each access on its own: the last rule naming the device and that access decides.
    return [...access].every((a) => {
      const last = [...filter.ordered!].reverse().find((r) => ruleMatches(r, type, major, minor) && r.access.includes(a));
      return last ? last.allow : filter.defaultAllow;
    });
  }
  for (const rule of filter.rules) {
    if (ruleMatches(rule, type, major, minor) && [...access].every((a) => rule.access.includes(a))) {
      return rule.allow;
    }
  }
  return filter.defaultAllow;
}

// Access as a bit set, so that merging and subtracting are set operations.
const ACCESS_BITS: Record<string, number> = { r: 1, w: 2, m: 4 };

function canonicalAccess(access: string): string | undefined {
  if (access === '' || [...access].some((a) => !(a in ACCESS_BITS))) return undefined;
  return accessText(accessBits(access));
}

function accessBits(access: string): number {
  return [...access].reduce((bits, a) => bits | ACCESS_BITS[a]!, 0);
}

function accessText(bits: number): string {
  return Object.keys(ACCESS_BITS).filter((a) => bits & ACCESS_BITS[a]!).join('');
}

/** A major or minor: absent or -1 is "any"; otherwise it must fit the kernel's u32. */
function deviceNumber(value: number | bigint | undefined, ptr: string, out: ResultBuilder): number | undefined {
  const n = readInteger(value, 'int64', ptr, out);
  if (n === undefined) return value === undefined ? -1 : undefined;
  if (n < -1n || n > 0xffffffffn) {
    out.problem(ptr, `${n} is not a device number (0 to 4294967295, or -1 for any)`);
    return undefined;
  }
  return Number(n);
}

interface Exception {
  type: 'c' | 'b';
  major: number;
  minor: number;
  bits: number;
  /** The last rule that granted (or denied) through this exception, for messages. */
  pointer: string;
}

class Emulator {
  private defaultAllow = false;
  private readonly exceptions = new Map<string, Exception>();

  apply(rule: DeviceRule): ConfigProblem | undefined {
    if (rule.type === 'a') {
      this.defaultAllow = rule.allow;
      this.exceptions.clear();
      return undefined;
    }
    // A rule with the default's action narrows exceptions; the other action widens them.
    return rule.allow === this.defaultAllow ? this.remove(rule) : this.add(rule);
  }

  filter(): DeviceFilter {
    const rules = [...this.exceptions.values()]
      .sort((a, b) => a.major - b.major || a.minor - b.minor || a.type.charCodeAt(0) - b.type.charCodeAt(0))
      .map((e) => ({ type: e.type, major: e.major, minor: e.minor, access: accessText(e.bits), allow: !this.defaultAllow, pointer: e.pointer }));
    return { defaultAllow: this.defaultAllow, rules };
  }

  private add(rule: DeviceRule): undefined {
    const k = key(rule.type, rule.major, rule.minor);
    const old = this.exceptions.get(k);
    this.exceptions.set(k, {
      type: rule.type as 'c' | 'b',
      major: rule.major,
      minor: rule.minor,
      bits: (old?.bits ?? 0) | accessBits(rule.access),
      pointer: rule.pointer || (old?.pointer ?? ''),
    });
    return undefined;
  }

  /** Narrows the exact exception, as the v1 kernel does; a hole in a wildcard is reported, not made. */
  private remove(rule: DeviceRule): ConfigProblem | undefined {
    const bits = accessBits(rule.access);
    const own = key(rule.type, rule.major, rule.minor);
    let hole: ConfigProblem | undefined;
    for (const [major, minor] of [[-1, rule.minor], [rule.major, -1], [-1, -1]] as const) {
      const k = key(rule.type, major, minor);
      const wildcard = this.exceptions.get(k);
      if (k === own || !wildcard || (wildcard.bits & bits) === 0 || hole) continue;
      const what = this.defaultAllow ? 'allowed back' : 'denied';
      hole = {
        pointer: rule.pointer || wildcard.pointer || pointer('linux', 'resources', 'devices'),
        message: `${describe(rule.type, rule.major, rule.minor, rule.access)} cannot be ${what} by cgroup v1's devices controller: ${describe(wildcard.type, major, minor, accessText(wildcard.bits))} ` +
          `${this.defaultAllow ? 'denies' : 'allows'} it${wildcard.pointer ? ` (${wildcard.pointer})` : ' (a built-in rule)'}, and its exceptions cannot have a hole punched into a wildcard`,
      };
    }
    const existing = this.exceptions.get(own);
    if (existing) {
      existing.bits &= ~bits;
      if (existing.bits === 0) this.exceptions.delete(own);
    }
    return hole;
  }
}

function key(type: string, major: number, minor: number): string {
  return `${type} ${major}:${minor}`;
}

/** "c 1:3 rwm", "b *:* m": the devices.list notation. */
function describe(type: string, major: number, minor: number, access: string): string {
  const n = (v: number) => (v === -1 ? '*' : String(v));
  return `${type} ${n(major)}:${n(minor)} ${access}`;
}
