// `exec`: a process object compiled for tsrunc-init's exec mode (native/init/exec.h). The process
// goes through compileProcess, the init's own compiler, so an exec'd process gets its attributes
// exactly as the init would; the container contributes its namespaces, cgroups, seccomp filter
// and personality.
import { ConfigError, type ConfigProblem } from '../errors';
import type { Process, Spec } from '../generated/config';
import { compileProcess } from './compile';
import { compileExecCpuAffinity } from './cpu-affinity';
import { kernelCapLastCap } from './capabilities';
import { detectLsm, type LsmHost } from './lsm';
import { compileNamespaces } from './namespaces';
import { compilePersonality } from './scheduling';
import { compileSeccomp } from './seccomp';
import { PLAN_VERSION, type ExecPlan } from './types';

export type { ExecPlan } from './types';


/** The running container an exec goes into. */
export interface ExecTarget {
  id: string;
  /** Host pid of its init and that pid's start time: tsrunc-init refuses a pid reused since. */
  pid: number;
  pidStartTime: string;
  /** The cgroup directories the exec'd process enters, one per hierarchy. */
  cgroups: string[];
}

export interface ExecCompileOptions {
  capLastCap?: number;
  lsm?: LsmHost;
  warnings?: ConfigProblem[];
}

export function compileExec(spec: Spec, process: Process, target: ExecTarget, options: ExecCompileOptions = {}): ExecPlan {
  const problems: ConfigProblem[] = [];
  const warnings = options.warnings ?? [];
  const ns = compileNamespaces(spec.linux?.namespaces, problems);
  const namespaces = ns.joins.reduce((flags, j) => flags | j.flag, ns.cloneFlags);
  const plan = compileProcess({ ...spec, process }, { problems, warnings }, options.capLastCap ?? kernelCapLastCap(), options.lsm ?? detectLsm());
  const seccomp = compileSeccomp(spec.linux?.seccomp, problems, warnings);
  const personality = compilePersonality(spec.linux?.personality, problems);
  const affinity = compileExecCpuAffinity(process.execCPUAffinity, problems);
  plan.cpuAffinity = affinity.final;
  if (problems.length > 0) throw new ConfigError(problems);
  return { version: PLAN_VERSION, ...target, namespaces, process: plan, seccomp, personality, cpuAffinityInitial: affinity.initial };
}
