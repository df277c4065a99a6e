// linux.resources.cpu -> the cgroup v1 cpu and cpuset controllers' files, as runc's fs driver writes
// them (libcontainer/cgroups/fs/cpu.go, cpuset.go): cpu.shares as given (no conversion: the OCI
// field is v1's), cpu.cfs_period_us before cpu.cfs_quota_us (-1: no limit), cpu.cfs_burst_us,
// cpu.rt_period_us before cpu.rt_runtime_us, cpu.idle, cpuset.cpus and cpuset.mems.

import type { LinuxResources } from '../../generated/config';
import { cpuset, readBandwidth, readBurst, readShares } from '../cpu';
import type { CgroupHost } from '../host';
import { readInteger, unlessZero } from '../numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from '../types';

export function compileCpuV1(resources: LinuxResources, host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  const cpu = resources.cpu;
  if (!cpu) return out.result();
  const at = (field: string) => resourcePointer('cpu', field);

  cpuset(cpu.cpus, 'cpuset.cpus', 'CPU', host.cpus, at('cpus'), out);
  cpuset(cpu.mems, 'cpuset.mems', 'memory node', host.mems, at('mems'), out);

  const shares = readShares(cpu, out);
  if (shares !== undefined) out.write('cpu.shares', shares.toString(), at('shares'));
  const { quota, period, valid } = readBandwidth(cpu, out);
  if (valid && period !== undefined) out.write('cpu.cfs_period_us', period.toString(), at('period'));
  if (valid && quota !== undefined) out.write('cpu.cfs_quota_us', quota.toString(), at('quota'));
  const burst = readBurst(cpu, quota, out);
  if (burst !== undefined) out.write('cpu.cfs_burst_us', burst.toString(), at('burst'));

  // The kernel checks the runtime against the period in force: period first, as runc.
  const rtPeriod = unlessZero(readInteger(cpu.realtimePeriod, 'uint64', at('realtimePeriod'), out));
  const rtRuntime = unlessZero(readInteger(cpu.realtimeRuntime, 'int64', at('realtimeRuntime'), out));
  if (rtPeriod !== undefined) out.write('cpu.rt_period_us', rtPeriod.toString(), at('realtimePeriod'));
  if (rtRuntime !== undefined) out.write('cpu.rt_runtime_us', rtRuntime.toString(), at('realtimeRuntime'));

  const idle = unlessZero(readInteger(cpu.idle, 'int64', at('idle'), out));
  if (idle !== undefined) {
    if (idle === 1n) out.write('cpu.idle', '1', at('idle'));
    else out.problem(at('idle'), `${idle} is not a valid idle setting: use 1 (idle) or 0`);
  }
  return out.result();
}
