// process.ioPriority, process.scheduler (runtime-spec 1.2) and linux.personality -> numbers for
// ioprio_set(2), sched_setattr(2) and personality(2).
//
// The schema checks their shape; the values (a priority's range, a flag's bit) are checked here.
import { pointer, type ConfigProblem } from '../errors';
import { exactInteger } from '../spec/numbers';
import type { IoPriorityPlan, SchedulerPlan } from './types';

interface IoPrioritySpec { class?: string; priority?: number }
interface SchedulerSpec {
  policy?: string; nice?: number; priority?: number; flags?: string[];
  runtime?: number | bigint; deadline?: number | bigint; period?: number | bigint;
}

const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };
const IOPRIO_CLASS_SHIFT = 13;

const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAG: Record<string, bigint> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n, SCHED_FLAG_RECLAIM: 0x02n, SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n, SCHED_FLAG_KEEP_PARAMS: 0x10n, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20n,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40n,
};

const PERSONALITY_DOMAIN: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

// No schema has looked at these fields: any JSON value can arrive. A name is looked up among the
// table's own keys only ("constructor" or "toString" would otherwise find Object's methods).
const named = <T>(table: Record<string, T>, name: unknown): T | undefined =>
  typeof name === 'string' && Object.hasOwn(table, name) ? table[name] : undefined;
const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInteger = (v: unknown): v is number | bigint => typeof v === 'bigint' || Number.isInteger(v);

export function compileIoPriority(spec: IoPrioritySpec | undefined, problems: ConfigProblem[]): IoPriorityPlan | null {
  if (spec === undefined) return null;
  const at = pointer('process', 'ioPriority');
  if (!isObject(spec)) {
    problems.push({ pointer: at, message: 'must be an object' });
    return null;
  }
  const cls = named(IOPRIO_CLASS, spec.class);
  if (cls === undefined) {
    problems.push({ pointer: at + '/class', message: `must be one of ${Object.keys(IOPRIO_CLASS).join(', ')}` });
    return null;
  }
  const prio = spec.priority ?? 0;
  if (!Number.isInteger(prio) || prio < 0 || prio > 7) {
    problems.push({ pointer: at + '/priority', message: 'must be an integer from 0 to 7' });
    return null;
  }
  return { value: (cls << IOPRIO_CLASS_SHIFT) | prio };
}

export function compileScheduler(spec: SchedulerSpec | undefined, problems: ConfigProblem[]): SchedulerPlan | null {
  if (spec === undefined) return null;
  const at = pointer('process', 'scheduler');
  if (!isObject(spec)) {
    problems.push({ pointer: at, message: 'must be an object' });
    return null;
  }
  const policy = named(SCHED_POLICY, spec.policy);
  if (policy === undefined) {
    problems.push({ pointer: at + '/policy', message: `must be one of ${Object.keys(SCHED_POLICY).join(', ')}` });
    return null;
  }
  let flags = 0n;
  if (spec.flags !== undefined && !Array.isArray(spec.flags)) problems.push({ pointer: at + '/flags', message: 'must be an array' });
  for (const [i, name] of (Array.isArray(spec.flags) ? spec.flags : []).entries()) {
    const bit = named(SCHED_FLAG, name);
    if (bit === undefined) problems.push({ pointer: `${at}/flags/${i}`, message: `unknown scheduler flag "${name}"` });
    else flags |= bit;
  }
  const nice = spec.nice ?? 0;
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) problems.push({ pointer: at + '/nice', message: 'must be an integer from -20 to 19' });
  // sched_attr's sched_priority is a 32-bit int; runtime, deadline and period are 64-bit nanoseconds.
  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 0x7fffffff) problems.push({ pointer: at + '/priority', message: 'must be an integer from 0 to 2147483647' });
  for (const key of ['runtime', 'deadline', 'period'] as const) {
    const v = spec[key];
    if (v !== undefined && (!isInteger(v) || v < 0 || v > 0xffffffffffffffffn)) problems.push({ pointer: `${at}/${key}`, message: 'must be an integer from 0 to 18446744073709551615' });
  }
  if (problems.length > 0) return null;
  return {
    policy,
    nice,
    priority,
    flags: flags.toString(),
    runtime: exactInteger(spec.runtime) ?? '0',
    deadline: exactInteger(spec.deadline) ?? '0',
    period: exactInteger(spec.period) ?? '0',
  };
}

export function compilePersonality(spec: { domain?: string; flags?: string[] } | undefined, problems: ConfigProblem[]): number | null {
  if (spec === undefined) return null;
  const domain = named(PERSONALITY_DOMAIN, spec.domain);
  if (domain === undefined) {
    problems.push({ pointer: '/linux/personality/domain', message: 'must be LINUX or LINUX32' });
    return null;
  }
  // The runtime spec defines no personality flags yet: any given is an error, not ignored.
  if ((spec.flags ?? []).length > 0) problems.push({ pointer: '/linux/personality/flags', message: 'no personality flags are defined by the runtime spec' });
  return domain;
}
