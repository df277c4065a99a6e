// linux.resources.cpu -> cpu.idle, cpu.weight, cpu.max, cpu.max.burst, cpuset.cpus, cpuset.mems, as
// runc's fs2 driver writes them (libcontainer/cgroups/fs2/cpu.go, cpuset.go).

import type { LinuxResources } from '../generated/config';
import { formatIdList, parseIdList } from './cpu-list';
import type { CgroupHost } from './host';
import { readInteger, unlessZero } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

// cpu.shares range of cgroup v1 (MIN_SHARES, MAX_SHARES = 1 << 18); the conversion is defined on it.
const MIN_SHARES = 2n;
const MAX_SHARES = 262144n;
// CFS bandwidth bounds the kernel enforces on cpu.max (1 ms .. 1 s periods, quota of at least 1 ms).
const MIN_PERIOD = 1000n;
const MAX_PERIOD = 1000000n;
const MIN_QUOTA = 1000n;
// runc's (and the kernel's) default period when only a quota is given.
const DEFAULT_PERIOD = 100000n;

/**
 * cpu.weight for OCI (cgroup v1) shares: runc's ConvertCPUSharesToCgroupV2Value, which maps
 * [2, 262144] linearly onto [1, 10000] in integer math: 1 + ((shares - 2) * 9999) / 262142.
 * So the v1 default 1024 becomes 39, not v2's default 100. runc 1.3.2+ (and crun 1.23+) switched to
 * a quadratic fit that maps 1024 to 100; this is the formula of the runc releases Debian ships.
 */
export function sharesToWeight(shares: bigint): bigint {
  return 1n + ((shares - 2n) * 9999n) / 262142n;
}

export function compileCpu(resources: LinuxResources, host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  const cpu = resources.cpu;
  if (!cpu) return out.result();
  const at = (field: string) => resourcePointer('cpu', field);

  const idle = unlessZero(readInteger(cpu.idle, 'int64', at('idle'), out));
  if (idle !== undefined) {
    if (idle === 1n) out.write('cpu.idle', '1', at('idle'));
    else out.problem(at('idle'), `${idle} is not a valid idle setting: use 1 (idle) or 0`);
  }

  const shares = readShares(cpu, out);
  if (shares !== undefined) out.write('cpu.weight', sharesToWeight(shares).toString(), at('shares'));

  const { quota, period, valid: bandwidthValid } = readBandwidth(cpu, out);
  if (bandwidthValid && (quota !== undefined || period !== undefined)) {
    const limit = quota !== undefined && quota > 0n ? quota.toString() : 'max';
    out.write('cpu.max', `${limit} ${(period ?? DEFAULT_PERIOD).toString()}`, quota !== undefined ? at('quota') : at('period'));
  }

  // 0 (the kernel's default) is left alone rather than written as runc does: that also spares kernels
  // without cpu.max.burst (before 5.14) a pointless failure. Written after cpu.max: the kernel checks
  // burst against the quota in force.
  const burst = readBurst(cpu, quota, out);
  if (burst !== undefined) out.write('cpu.max.burst', burst.toString(), at('burst'));

  for (const field of ['realtimeRuntime', 'realtimePeriod'] as const) {
    const n = readInteger(cpu[field], field === 'realtimeRuntime' ? 'int64' : 'uint64', at(field), out);
    if (n !== undefined && n !== 0n) {
      out.problem(at(field), 'real-time CPU bandwidth (cpu.rt_runtime_us, cpu.rt_period_us) exists only in cgroup v1; ' +
        'cgroup v2 has no equivalent (runc drops it silently there; tsrunc refuses instead)');
    }
  }

  cpuset(cpu.cpus, 'cpuset.cpus', 'CPU', host.cpus, at('cpus'), out);
  cpuset(cpu.mems, 'cpuset.mems', 'memory node', host.mems, at('mems'), out);
  return out.result();
}

type LinuxCpu = NonNullable<LinuxResources['cpu']>;

/** cpu.shares, validated against the v1 range; 0 is unset. Shared by the v1 and v2 compilers. */
export function readShares(cpu: LinuxCpu, out: ResultBuilder): bigint | undefined {
  const ptr = resourcePointer('cpu', 'shares');
  const shares = unlessZero(readInteger(cpu.shares, 'uint64', ptr, out));
  if (shares === undefined) return undefined;
  if (shares >= MIN_SHARES && shares <= MAX_SHARES) return shares;
  out.problem(ptr, `${shares} is outside the cpu shares range ${MIN_SHARES} to ${MAX_SHARES}`);
  return undefined;
}

/** quota (-1: no limit) and period, validated against the kernel's CFS bounds; 0 is unset. */
export function readBandwidth(cpu: LinuxCpu, out: ResultBuilder): { quota?: bigint; period?: bigint; valid: boolean } {
  const at = (field: string) => resourcePointer('cpu', field);
  const quota = unlessZero(readInteger(cpu.quota, 'int64', at('quota'), out));
  const period = unlessZero(readInteger(cpu.period, 'uint64', at('period'), out));
  let valid = true;
  if (quota !== undefined && quota < -1n) {
    out.problem(at('quota'), `${quota} is not a quota: use microseconds per period, or -1 for no limit`);
    valid = false;
  } else if (quota !== undefined && quota > 0n && quota < MIN_QUOTA) {
    out.problem(at('quota'), `${quota} µs is below the kernel's minimum quota of ${MIN_QUOTA} µs`);
    valid = false;
  }
  if (period !== undefined && (period < MIN_PERIOD || period > MAX_PERIOD)) {
    out.problem(at('period'), `${period} µs is outside the kernel's period range ${MIN_PERIOD} to ${MAX_PERIOD} µs`);
    valid = false;
  }
  return { quota, period, valid };
}

/** burst, which must not exceed the quota; 0 is unset. */
export function readBurst(cpu: LinuxCpu, quota: bigint | undefined, out: ResultBuilder): bigint | undefined {
  const ptr = resourcePointer('cpu', 'burst');
  const burst = unlessZero(readInteger(cpu.burst, 'uint64', ptr, out));
  if (burst === undefined) return undefined;
  if (quota === undefined || quota <= 0n || burst <= quota) return burst;
  out.problem(ptr, `burst (${burst} µs) must not exceed the quota (${quota} µs)`);
  return undefined;
}

/** cpus/mems: a list of ids, each of which the host must have (when the host's list is known). */
export function cpuset(text: string | undefined, file: string, what: string, available: number[] | undefined, ptr: string, out: ResultBuilder): void {
  if (text === undefined || text.trim() === '') return;
  const ids = parseIdList(text);
  if (typeof ids === 'string') {
    out.problem(ptr, `"${text}" is not a ${what} list (like "0-3,6"): ${ids}`);
    return;
  }
  if (available !== undefined) {
    const have = new Set(available);
    const missing = ids.filter((id) => !have.has(id));
    if (missing.length > 0) {
      out.problem(ptr, `${what} ${formatIdList(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist on this host (it has ${formatIdList(available) || 'none'})`);
      return;
    }
  }
  out.write(file, text.trim(), ptr);
}
