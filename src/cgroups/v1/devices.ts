// The device filter (devices.ts) on the cgroup v1 devices controller: devices.allow / devices.deny
// writes, computed as runc's fs driver computes them (libcontainer/cgroups/devices/v1.go and the
// emulator's Transition): the cgroup's current devices.list is read back into a filter, and only
// the difference is written, so an update never denies a device the container keeps (no
// "deny everything, then allow again" window). A new cgroup starts with its parent's list.
//
// devices.list cannot show a blacklist's deny exceptions (it prints "a *:* rwm" alone), so when
// either side is allow-by-default the transition starts with the disruptive "a" rule, as runc's.

import type { DeviceFilter, DeviceRule } from '../devices';
import type { CgroupWrite } from '../types';

const LINE = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/;

/** devices.list -> the filter it stands for (an "a" line means allow-all, exceptions unknown). */
export function filterFromList(list: string): DeviceFilter {
  const exceptions = new Map<string, DeviceRule>();
  for (const line of list.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = LINE.exec(line);
    if (!m) throw new Error(`devices.list line "${line}" is not in "type major:minor access" form`);
    if (m[1] === 'a') return { defaultAllow: true, rules: [] };
    const num = (s: string) => (s === '*' ? -1 : Number(s));
    const rule: DeviceRule = { type: m[1] as 'b' | 'c', major: num(m[2]!), minor: num(m[3]!), access: m[4]!, allow: true, pointer: '' };
    const k = `${rule.type} ${rule.major}:${rule.minor}`;
    const old = exceptions.get(k);
    exceptions.set(k, old ? { ...old, access: mergeAccess(old.access, rule.access) } : rule);
  }
  return { defaultAllow: false, rules: [...exceptions.values()] };
}

/** The devices.allow / devices.deny writes that turn `current` into `target` (runc's Transition). */
export function deviceTransition(current: DeviceFilter, target: DeviceFilter): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const file = (allow: boolean) => (allow ? 'devices.allow' : 'devices.deny');
  let old = new Map(current.rules.map((r) => [ruleKey(r), r]));
  if (current.defaultAllow || current.defaultAllow !== target.defaultAllow) {
    writes.push({ file: file(target.defaultAllow), value: 'a *:* rwm', pointer: '/linux/resources/devices' });
    old = new Map();
  }
  const wanted = new Map(target.rules.map((r) => [ruleKey(r), r]));
  for (const [k, r] of [...old].sort(byKey)) {
    const dropped = subtractAccess(r.access, wanted.get(k)?.access ?? '');
    if (dropped) writes.push({ file: file(target.defaultAllow), value: `${k} ${dropped}`, pointer: r.pointer || '/linux/resources/devices' });
  }
  for (const [k, r] of [...wanted].sort(byKey)) {
    const gained = subtractAccess(r.access, old.get(k)?.access ?? '');
    if (gained) writes.push({ file: file(!target.defaultAllow), value: `${k} ${gained}`, pointer: r.pointer || '/linux/resources/devices' });
  }
  return writes;
}

/** Whether the cgroup's devices.list now says exactly what the filter allows (runc's final check). */
export function listMatches(list: string, target: DeviceFilter): boolean {
  const now = filterFromList(list);
  if (target.defaultAllow || now.defaultAllow) return now.defaultAllow === target.defaultAllow;
  const text = (f: DeviceFilter) => f.rules.map((r) => `${ruleKey(r)} ${r.access}`).sort().join('\n');
  return text(now) === text(target);
}

function ruleKey(r: DeviceRule): string {
  const n = (v: number) => (v === -1 ? '*' : String(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)}`;
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

function mergeAccess(a: string, b: string): string {
  return 'rwm'.split('').filter((x) => a.includes(x) || b.includes(x)).join('');
}

function subtractAccess(a: string, b: string): string {
  return 'rwm'.split('').filter((x) => a.includes(x) && !b.includes(x)).join('');
}
