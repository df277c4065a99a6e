// process.execCPUAffinity (runtime-spec 1.2.1) -> CPU numbers for sched_setaffinity(2). Only exec'd
// processes have one; every process otherwise gets "all CPUs" once in its cgroup (the plan's null),
// so a runtime started with a narrow affinity (systemd's CPUAffinity=) does not pass it on.
import { parseIdList } from '../cgroups/cpu-list';
import { pointer, type ConfigProblem } from '../errors';
import type { CPUAffinity } from '../generated/config';

export function compileCpuList(text: string | undefined, field: 'initial' | 'final', problems: ConfigProblem[]): number[] | null {
  if (text === undefined || text.trim() === '') return null;
  const cpus = parseIdList(text);
  if (typeof cpus === 'string') {
    problems.push({ pointer: pointer('process', 'execCPUAffinity', field), message: cpus });
    return null;
  }
  return cpus;
}

export function compileExecCpuAffinity(spec: CPUAffinity | undefined, problems: ConfigProblem[]): { initial: number[] | null; final: number[] | null } {
  return { initial: compileCpuList(spec?.initial, 'initial', problems), final: compileCpuList(spec?.final, 'final', problems) };
}
