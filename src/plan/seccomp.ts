// linux.seccomp -> the SeccompPlan tsrunc-init turns into a BPF filter with libseccomp.
//
// The JSON schema already restricts action, operator, architecture and flag names to the spec's
// lists; this compiler checks them again (compilePlan is also called on configs that never went
// through the schema) and adds what the schema cannot say: argument indexes 0-5, errno values that
// fit the filter's 16-bit data field, exact 64-bit argument values, empty syscall names. Where runc
// (1.1) makes a choice the spec leaves open, the plan makes the same one (see each function).
import * as fs from 'node:fs';

import { pointer, type ConfigProblem } from '../errors';
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from '../generated/config';
import { exactInteger } from '../spec/numbers';
import type { SeccompAction, SeccompArgCompare, SeccompFlag, SeccompOperator, SeccompPlan, SeccompRule } from './types';

export const ACTIONS: ReadonlySet<string> = new Set<SeccompAction | 'SCMP_ACT_KILL' | 'SCMP_ACT_NOTIFY'>([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
]);

export const OPERATORS: ReadonlySet<string> = new Set<SeccompOperator>([
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
]);

export const FLAGS: ReadonlySet<string> = new Set<SeccompFlag>([
  'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
]);

/** The spec's architecture names -> libseccomp's (seccomp_arch_resolve_name), as runc maps them. */
export const SECCOMP_ARCHES: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_PARISC: 'parisc',
  SCMP_ARCH_PARISC64: 'parisc64',
  SCMP_ARCH_RISCV64: 'riscv64',
};

/** errno of SCMP_ACT_ERRNO / SCMP_ACT_TRACE without an errnoRet (runc's choice). */
const EPERM = 1;
/** The filter's return value carries the errno in 16 bits (SECCOMP_RET_DATA). */
const ERRNO_MAX = 0xffff;
/** Syscalls take at most six arguments. */
const ARG_INDEX_MAX = 5;
const UINT64_MAX = 2n ** 64n - 1n;


interface Findings {
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

/**
 * Compiles linux.seccomp; `undefined` gives null (no filter). Problems carry the pointer of the
 * offending field, e.g. /linux/seccomp/syscalls/3/action.
 */
export function compileSeccomp(
  seccomp: LinuxSeccomp | undefined,
  problems: ConfigProblem[],
  warnings: ConfigProblem[] = [],
): SeccompPlan | null {
  if (seccomp === undefined) return null;
  const f: Findings = { problems, warnings };
  const at = (...rest: (string | number)[]) => pointer('linux', 'seccomp', ...rest);

  const defaultAction = action(seccomp.defaultAction, at('defaultAction'), f);
  const defaultErrnoRet = errnoFor(defaultAction, seccomp.defaultErrnoRet, at('defaultErrnoRet'), f);

  const architectures: string[] = [];
  (seccomp.architectures ?? []).forEach((name, i) => {
    const arch = SECCOMP_ARCHES[name];
    if (arch === undefined) problems.push({ pointer: at('architectures', i), message: `unknown architecture "${name}"` });
    else if (!architectures.includes(arch)) architectures.push(arch);
  });

  const flags: SeccompFlag[] = [];
  (seccomp.flags ?? []).forEach((name, i) => {
    if (!FLAGS.has(name)) problems.push({ pointer: at('flags', i), message: `unknown seccomp flag "${name}"` });
    // The kernel takes it only together with a notify listener (SECCOMP_FILTER_FLAG_NEW_LISTENER).
    else if (name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !usesNotify(seccomp)) {
      problems.push({ pointer: at('flags', i), message: `${name} needs a rule with the action SCMP_ACT_NOTIFY` });
    } else if (!flags.includes(name)) flags.push(name);
  });

  const rules: SeccompRule[] = [];
  (seccomp.syscalls ?? []).forEach((call, i) => {
    for (const rule of compileRule(call, at('syscalls', i), f)) {
      // runc drops a rule that does what the default does anyway (libseccomp refuses to add it).
      if (rule.action === defaultAction && rule.errnoRet === defaultErrnoRet) continue;
      rules.push(rule);
    }
  });

  if (seccomp.listenerPath !== undefined && !usesNotify(seccomp)) {
    warnings.push({ pointer: at('listenerPath'), message: 'is not used: no rule has the action SCMP_ACT_NOTIFY' });
  }
  return {
    defaultAction, defaultErrnoRet, architectures, flags, rules,
    listener: compileListener(seccomp, at('listenerPath'), problems),
    enosysNames: enosysNames(seccomp, defaultAction, architectures),
  };
}

/**
 * The names that bound runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): a syscall numbered above
 * every syscall the profile names (on an architecture it lists) is newer than the profile, and gets
 * ENOSYS rather than the default errno, so that libc falls back (glibc's clone3 -> clone,
 * faccessat2 -> faccessat). runc counts every name of the config, also of rules that do what the
 * default does, and makes no stub when the default action lets syscalls through (a tracer handles
 * ENOSYS itself) or the profile lists no architecture.
 */
function enosysNames(seccomp: LinuxSeccomp, defaultAction: SeccompAction, architectures: string[]): string[] {
  if (defaultAction === 'SCMP_ACT_ALLOW' || defaultAction === 'SCMP_ACT_LOG' || defaultAction === 'SCMP_ACT_TRACE') return [];
  if (architectures.length === 0) return [];
  const names = new Set<string>();
  for (const call of seccomp.syscalls ?? []) for (const name of call.names ?? []) if (typeof name === 'string' && name) names.add(name);
  return [...names];
}

/**
 * SCMP_ACT_NOTIFY hands the filter's notify fd to a seccomp agent listening on listenerPath (the
 * runtime spec's "container process state" with fds ["seccompFd"]). Without an agent a notified
 * syscall would block forever, so the path must be an absolute, existing socket.
 */
function compileListener(seccomp: LinuxSeccomp, ptr: string, problems: ConfigProblem[]): SeccompPlan['listener'] {
  if (!usesNotify(seccomp)) return null;
  const path = seccomp.listenerPath;
  if (!path) {
    problems.push({ pointer: ptr, message: 'is required: a rule has the action SCMP_ACT_NOTIFY' });
  } else if (!path.startsWith('/')) {
    problems.push({ pointer: ptr, message: 'must be an absolute path' });
  } else if (!isSocket(path)) {
    problems.push({ pointer: ptr, message: `no seccomp agent is listening there (${path} is not a socket)` });
  }
  return { path: path ?? '', metadata: seccomp.listenerMetadata ?? '' };
}

function isSocket(path: string): boolean {
  try {
    return fs.statSync(path).isSocket();
  } catch {
    return false;
  }
}

function usesNotify(seccomp: LinuxSeccomp): boolean {
  return seccomp.defaultAction === 'SCMP_ACT_NOTIFY' || (seccomp.syscalls ?? []).some((c) => c.action === 'SCMP_ACT_NOTIFY');
}

/**
 * An action name of the plan. SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (libseccomp's and runc's
 * meaning), so that both compare equal. Unknown names become a problem and a placeholder.
 */
function action(name: string, ptr: string, f: Findings): SeccompAction {
  if (!ACTIONS.has(name)) {
    f.problems.push({ pointer: ptr, message: `unknown seccomp action "${name}"` });
    return 'SCMP_ACT_ERRNO';
  }
  return name === 'SCMP_ACT_KILL' ? 'SCMP_ACT_KILL_THREAD' : (name as SeccompAction);
}

/**
 * The errno an ERRNO or TRACE action returns (EPERM when not given, as runc does); null for other
 * actions, which have no return value. An errnoRet given with one of them is an error, as the spec
 * says ("the runtime MUST print an error and fail"; runc ignores it, crun refuses it).
 */
function errnoFor(act: SeccompAction, errnoRet: number | undefined, ptr: string, f: Findings): number | null {
  if (act !== 'SCMP_ACT_ERRNO' && act !== 'SCMP_ACT_TRACE') {
    if (errnoRet !== undefined) f.problems.push({ pointer: ptr, message: `${act} returns no errno: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errnoRet` });
    return null;
  }
  if (errnoRet === undefined) return EPERM;
  if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > ERRNO_MAX) {
    f.problems.push({ pointer: ptr, message: `must be between 0 and ${ERRNO_MAX} (got ${errnoRet})` });
    return EPERM;
  }
  return errnoRet;
}

/**
 * One syscalls entry -> one rule, or several: when two conditions test the same argument, runc
 * adds each condition as a rule of its own (so they are OR-ed, where conditions on different
 * arguments are AND-ed); the plan does the same.
 */
function compileRule(call: LinuxSyscall, ptr: string, f: Findings): SeccompRule[] {
  const act = action(call.action, ptr + '/action', f);
  const errnoRet = errnoFor(act, call.errnoRet, ptr + '/errnoRet', f);
  const names = call.names ?? [];
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') f.problems.push({ pointer: `${ptr}/names/${i}`, message: 'a syscall name must not be empty' });
  });
  const args = (call.args ?? []).map((arg, j) => compileArg(arg, `${ptr}/args/${j}`, f));
  const indexes = args.map((a) => a.index);
  const repeated = indexes.some((index, j) => indexes.indexOf(index) !== j);
  const groups = repeated ? args.map((a) => [a]) : [args];
  return groups.map((group) => ({ names: [...names], action: act, errnoRet, args: group, pointer: ptr }));
}

function compileArg(arg: LinuxSeccompArg, ptr: string, f: Findings): SeccompArgCompare {
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > ARG_INDEX_MAX) {
    f.problems.push({ pointer: ptr + '/index', message: `must be between 0 and ${ARG_INDEX_MAX}: a syscall has at most six arguments (got ${arg.index})` });
  }
  let op = arg.op as SeccompOperator;
  if (!OPERATORS.has(arg.op)) {
    f.problems.push({ pointer: ptr + '/op', message: `unknown seccomp operator "${arg.op}"` });
    op = 'SCMP_CMP_EQ';
  }
  return { index: arg.index, value: u64(arg.value, ptr + '/value', f), valueTwo: u64(arg.valueTwo ?? 0, ptr + '/valueTwo', f), op };
}

/** A 64-bit argument value as the exact decimal string the plan carries. */
function u64(v: number | bigint, ptr: string, f: Findings): string {
  let s: string | undefined;
  try {
    s = exactInteger(v);
  } catch { /* not an integer */ }
  if (s === undefined || BigInt(s) < 0n || BigInt(s) > UINT64_MAX) {
    f.problems.push({ pointer: ptr, message: `must be an integer between 0 and ${UINT64_MAX} (got ${v})` });
    return '0';
  }
  return s;
}
