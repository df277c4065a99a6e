// linux.resources as systemd unit properties, as runc's systemd driver translates them
// (libcontainer/cgroups/systemd/v2.go genV2ResourcesProperties; v1.go for cgroup v1 hosts). Translated from the compiled
// cgroup v2 writes (resources.ts), so every runc conversion (shares -> weight, swap, quota) is
// made once, and a linux.resources.unified key that overrides a field overrides its property too.
// systemd must hold the same values as the files: it writes its own properties back into the
// cgroup whenever it re-realizes the unit (daemon-reload, a sibling's change), and a limit held
// only in a file would be undone then. The files are written too (manager.ts), as runc does.

import * as fs from 'node:fs';

import { pointer, type ConfigProblem } from '../../errors';
import type { DeviceFilter, DeviceRule } from '../devices';
import type { CgroupWrite } from '../types';
import { parseGVariant } from './gvariant';

/** One unit property for D-Bus: name, D-Bus signature, value (64-bit integers as decimal strings). */
export type UnitProperty = [name: string, signature: string, value: unknown];

/** systemd's "infinity" for a uint64 property. */
const INFINITY = '18446744073709551615';

const limit = (v: string) => (v === 'max' ? INFINITY : v);

/** "0-2,4" -> the bitmask bytes systemd's AllowedCPUs/AllowedMemoryNodes take (ay). */
export function cpuListMask(list: string): number[] {
  const bytes: number[] = [];
  for (const part of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let n = a; n <= (b ?? a); n++) {
      while (bytes.length <= n >> 3) bytes.push(0);
      bytes[n >> 3]! |= 1 << (n & 7);
    }
  }
  return bytes;
}

/** The resource properties the writes amount to (the last write of a file wins, as in the cgroup). */
export function resourceProperties(writes: readonly CgroupWrite[]): UnitProperty[] {
  const last = new Map<string, string>();
  for (const w of writes) {
    last.set(w.file, w.value.trim());
    // io.bfq.weight (1..1000) falls back to io.weight on runc's 1..10000 scale: IOWeight's scale.
    if (typeof w.ifMissing === 'object') last.set(w.ifMissing.file, w.ifMissing.value.trim());
  }
  const props: UnitProperty[] = [];
  const v = (file: string) => last.get(file);
  if (v('memory.max') !== undefined) props.push(['MemoryMax', 't', limit(v('memory.max')!)]);
  if (v('memory.low') !== undefined) props.push(['MemoryLow', 't', limit(v('memory.low')!)]);
  if (v('memory.high') !== undefined) props.push(['MemoryHigh', 't', limit(v('memory.high')!)]);
  if (v('memory.swap.max') !== undefined) props.push(['MemorySwapMax', 't', limit(v('memory.swap.max')!)]);
  if (v('pids.max') !== undefined) props.push(['TasksMax', 't', limit(v('pids.max')!)]);
  if (v('cpu.weight') !== undefined) props.push(['CPUWeight', 't', v('cpu.weight')!]);
  const cpuMax = v('cpu.max');
  if (cpuMax !== undefined) {
    const [quota, period = '100000'] = cpuMax.split(/\s+/) as [string, string?];
    props.push(...quotaProperties(quota, period));
  }
  if (v('cpuset.cpus')) props.push(['AllowedCPUs', 'ay', cpuListMask(v('cpuset.cpus')!)]);
  if (v('cpuset.mems')) props.push(['AllowedMemoryNodes', 'ay', cpuListMask(v('cpuset.mems')!)]);
  const io = /^(?:default )?(\d+)$/.exec(v('io.weight') ?? '');
  if (io) props.push(['IOWeight', 't', io[1]!]);
  return props;
}

/**
 * The same for the cgroup v1 driver's writes (runc's v1.go genV1ResourcesProperties): systemd's
 * v1 property names (MemoryLimit, CPUShares, BlockIOWeight) and -1 for "no limit".
 */
export function resourcePropertiesV1(writes: readonly CgroupWrite[]): UnitProperty[] {
  const last = new Map<string, string>();
  for (const w of writes) last.set(w.file, w.value.trim());
  const v = (file: string) => last.get(file);
  const limitV1 = (value: string) => (value === '-1' || value === 'max' ? INFINITY : value);
  const props: UnitProperty[] = [];
  if (v('memory.limit_in_bytes') !== undefined) props.push(['MemoryLimit', 't', limitV1(v('memory.limit_in_bytes')!)]);
  if (v('cpu.shares') !== undefined) props.push(['CPUShares', 't', v('cpu.shares')!]);
  const quota = v('cpu.cfs_quota_us');
  if (quota !== undefined) {
    const period = v('cpu.cfs_period_us') ?? '100000';
    props.push(...quotaProperties(quota === '-1' ? 'max' : quota, period));
  }
  if (v('blkio.weight') !== undefined) props.push(['BlockIOWeight', 't', v('blkio.weight')!]);
  if (v('pids.max') !== undefined) props.push(['TasksMax', 't', limit(v('pids.max')!)]);
  if (v('cpuset.cpus')) props.push(['AllowedCPUs', 'ay', cpuListMask(v('cpuset.cpus')!)]);
  if (v('cpuset.mems')) props.push(['AllowedMemoryNodes', 'ay', cpuListMask(v('cpuset.mems')!)]);
  return props;
}

/** CPUQuotaPeriodUSec and CPUQuotaPerSecUSec for a quota ("max": none) per period, in microseconds. */
function quotaProperties(quota: string, period: string): UnitProperty[] {
  const props: UnitProperty[] = [['CPUQuotaPeriodUSec', 't', period]];
  if (quota === 'max') props.push(['CPUQuotaPerSecUSec', 't', INFINITY]);
  else {
    // systemd keeps the quota per second in whole percents (10 ms): rounded up, as runc does.
    let perSec = (BigInt(quota) * 1000000n) / BigInt(period);
    if (perSec % 10000n !== 0n) perSec = (perSec / 10000n + 1n) * 10000n;
    props.push(['CPUQuotaPerSecUSec', 't', perSec.toString()]);
  }
  return props;
}

/** /proc/devices: character and block driver names by major (for "char-pts" style rules). */
function driverNames(): { c: Map<number, string>; b: Map<number, string> } {
  const out = { c: new Map<number, string>(), b: new Map<number, string>() };
  let section: Map<number, string> | undefined;
  let text = '';
  try {
    text = fs.readFileSync('/proc/devices', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('Character')) section = out.c;
    else if (line.startsWith('Block')) section = out.b;
    const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
    if (m && section) section.set(Number(m[1]), m[2]!);
  }
  return out;
}

/**
 * DevicePolicy and DeviceAllow for the device filter (runc's generateDeviceProperties): a
 * default-allow filter leaves systemd's policy "auto" (no filter of its own); a default-deny one is
 * "strict" with one DeviceAllow per allowed rule. A rule systemd cannot name (a wildcard major with
 * a fixed minor) is left to tsrunc's own eBPF filter, which is attached too and enforces every rule.
 */
export function deviceProperties(filter: DeviceFilter | undefined): UnitProperty[] {
  if (!filter || filter.defaultAllow) return [['DevicePolicy', 's', 'auto']];
  const names = driverNames();
  const allow: [string, string][] = [];
  const add = (r: DeviceRule) => {
    const kind = r.type === 'b' ? 'block' : 'char';
    if (r.major === -1 && r.minor === -1) allow.push([`${kind}-*`, r.access]);
    else if (r.minor === -1) {
      const name = (r.type === 'b' ? names.b : names.c).get(r.major);
      if (name !== undefined) allow.push([`${kind}-${name}`, r.access]);
    } else if (r.major !== -1) allow.push([`/dev/${kind}/${r.major}:${r.minor}`, r.access]);
  };
  for (const r of filter.rules) if (r.allow) add(r);
  return [['DevicePolicy', 's', 'strict'], ['DeviceAllow', 'a(ss)', allow]];
}

const ANNOTATION = 'org.systemd.property.';

/**
 * config.json annotations "org.systemd.property.<Name>" = GVariant text, as runc passes them (a
 * name must start with a capital letter; "...Sec" names other than "...USec" are converted from
 * seconds to the USec property, as runc converts them). Problems name the annotation.
 */
export function annotationProperties(annotations: Record<string, string> | undefined): { props: UnitProperty[]; problems: ConfigProblem[] } {
  const props: UnitProperty[] = [];
  const problems: ConfigProblem[] = [];
  for (const [key, text] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(ANNOTATION)) continue;
    let name = key.slice(ANNOTATION.length);
    const ptr = pointer('annotations', key);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
      problems.push({ pointer: ptr, message: `"${name}" is not a systemd property name` });
      continue;
    }
    const value = parseGVariant(String(text));
    if ('error' in value) {
      problems.push({ pointer: ptr, message: `"${text}": ${value.error}` });
      continue;
    }
    if (name.endsWith('Sec') && !name.endsWith('USec')) {
      // runc: TimeoutStopSec=5 means TimeoutStopUSec=5000000.
      const n = Number(value.value);
      if (!['t', 'u', 'x', 'i', 'd'].includes(value.signature) || !Number.isFinite(n) || n < 0) {
        problems.push({ pointer: ptr, message: `"${text}": a ...Sec property takes a number of seconds` });
        continue;
      }
      name = name.slice(0, -'Sec'.length) + 'USec';
      props.push([name, 't', String(Math.round(n * 1e6))]);
      continue;
    }
    props.push([name, value.signature, value.value]);
  }
  return { props, problems };
}
