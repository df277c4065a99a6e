// The plan: everything tsrunc-init needs to build one container, fully resolved.
//
// The TypeScript side compiles a validated config.json into this flat structure (paths made
// absolute, mount options turned into flag bits, names turned into numbers). tsrunc-init
// (native/init) executes it step by step and decides nothing on its own. A plan is plain JSON:
// it can be printed (`tsrunc plan`), diffed and unit-tested without root.
//
// 64-bit values (rlimits, later cgroup limits) are decimal strings: JSON numbers above 2^53
// would lose precision in JavaScript.

import type { HooksPlan } from './hooks';
import type { LsmPlan } from './lsm';
import type { IoPriorityPlan, SchedulerPlan } from './scheduling';

export const PLAN_VERSION = 1;

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface NamespaceJoin {
  type: NamespaceType;
  /** CLONE_NEW* bit of this namespace type, the nstype argument of setns(). */
  flag: number;
  /** Host path of the namespace to join (e.g. /proc/1234/ns/net). */
  path: string;
  /** Where in config.json this came from, for error messages. */
  pointer: string;
}

export interface MountOp {
  /** Absolute destination inside the container; resolved under the rootfs, never outside it. */
  destination: string;
  /** For bind mounts: absolute host path. Otherwise: the device/dummy source passed to mount(2). */
  source: string;
  /** Filesystem type for mount(2); "" for bind mounts. */
  fstype: string;
  /** MS_* flags for the first mount(2) call (MS_BIND / MS_REC included for binds). */
  flags: number;
  /** Filesystem-specific options joined with commas (the data argument). */
  data: string;
  /** Bind mounts: flags for the read-only/nosuid/... remount; 0 = no remount needed. */
  remountFlags: number;
  /** Propagation changes applied after mounting, in order (MS_SHARED, MS_PRIVATE|MS_REC, ...). */
  propagation: number[];
  /** What to create when the destination is missing: a directory, or an empty file. */
  createAs: 'dir' | 'file';
  /** sysfs without a new network namespace may be refused; fall back to rbind of the host /sys. */
  sysfsFallback: boolean;
  /** JSON pointer of the mount in config.json. */
  pointer: string;
}

export interface DeviceNode {
  /** Absolute path inside the container. */
  path: string;
  /** S_IFCHR, S_IFBLK or S_IFIFO bits plus permission bits, as mknod(2) wants. */
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  pointer: string;
}

export interface Symlink {
  /** Link path inside the container. */
  path: string;
  target: string;
}

export interface Rlimit {
  /** RLIMIT_* resource number. */
  resource: number;
  soft: string;
  hard: string;
  pointer: string;
}

/**
 * Capability sets as 64-bit masks, bit N = capability number N (CAP_CHOWN = 0 ...), decimal strings.
 * Capabilities this kernel does not know are already left out, and so are ambient ones that are not
 * both permitted and inheritable (the kernel would refuse to raise them).
 */
export interface CapabilityMasks {
  /** Every capability outside it is dropped from the bounding set while the init is still root. */
  bounding: string;
  effective: string;
  inheritable: string;
  permitted: string;
  /** Raised after the uid switch, so a non-root process keeps them across execve. */
  ambient: string;
}

export interface ProcessPlan {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** null = leave the inherited umask. */
  umask: number | null;
  noNewPrivileges: boolean;
  rlimits: Rlimit[];
  /** The five sets; a config without a capabilities object gets all of them empty (as runc). */
  capabilities: CapabilityMasks;
  /** Written to /proc/self/oom_score_adj while the init is privileged; null = inherit the runtime's. */
  oomScoreAdj: number | null;
  /** ioprio_set(2) value; null = inherit. */
  ioPriority: IoPriorityPlan | null;
  /** sched_setattr(2) arguments; null = inherit. */
  scheduler: SchedulerPlan | null;
  /** LSM labels for the exec; each null when not asked for. */
  lsm: LsmPlan;
  // --- terminal (issue 9) ---
  /** process.terminal: a pty from the container's devpts becomes stdio and controlling tty. */
  terminal: boolean;
  /** process.consoleSize, applied to that pty; null = the kernel's default (0x0). */
  consoleSize: { rows: number; cols: number } | null;
}

/** One linux.sysctl entry: a write of `value` to a /proc/sys file of the container's namespaces. */
export interface SysctlWrite {
  /** "/proc/sys/net/ipv4/ip_forward" for net.ipv4.ip_forward; the key was checked to have no "/". */
  path: string;
  value: string;
  /** /linux/sysctl/<key>. */
  pointer: string;
}

/**
 * A seccomp action of the plan: the spec's names, with SCMP_ACT_KILL already written as
 * SCMP_ACT_KILL_THREAD (what it means to libseccomp and runc). SCMP_ACT_NOTIFY is refused by the
 * compiler for now (it needs a seccomp agent at listenerPath).
 */
export type SeccompAction =
  | 'SCMP_ACT_NOTIFY'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

export type SeccompFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC'
  | 'SECCOMP_FILTER_FLAG_LOG'
  | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'
  | 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

/** One comparison of a syscall argument (libseccomp's struct scmp_arg_cmp). */
export interface SeccompArgCompare {
  /** Argument number, 0-5. */
  index: number;
  /** 64-bit decimal strings. For SCMP_CMP_MASKED_EQ `value` is the mask and `valueTwo` the datum. */
  value: string;
  valueTwo: string;
  op: SeccompOperator;
}

export interface SeccompRule {
  /** Syscall names; tsrunc-init skips a name libseccomp does not know (as runc does). */
  names: string[];
  action: SeccompAction;
  /** The errno (ERRNO) or ptrace message (TRACE), EPERM when the config gives none; null for other actions. */
  errnoRet: number | null;
  /** All must match. A config entry testing one argument twice is already split into one rule per condition. */
  args: SeccompArgCompare[];
  /** /linux/seccomp/syscalls/<i>. */
  pointer: string;
}

/**
 * linux.seccomp, ready for libseccomp: tsrunc-init builds the filter before reporting ready (a bad
 * filter fails `create`) and loads it last, just before execve. Rules that do what the default
 * action does anyway are left out.
 */
export interface SeccompPlan {
  defaultAction: SeccompAction;
  /** As SeccompRule.errnoRet, for the default action. */
  defaultErrnoRet: number | null;
  /** libseccomp architecture names ("x86_64", "x86", "x32"), added to the native one. */
  architectures: string[];
  flags: SeccompFlag[];
  rules: SeccompRule[];
  /**
   * With SCMP_ACT_NOTIFY: the seccomp agent's unix socket (host path, connected before
   * pivot_root) and the listenerMetadata passed on to it; null without a notify rule.
   */
  listener: { path: string; metadata: string } | null;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  id: string;
  /** Absolute host path of the root filesystem. */
  rootfs: string;
  rootReadonly: boolean;
  /** MS_* propagation flags for "/" inside the new mount namespace, before anything is mounted. */
  rootPropagation: number;
  /** Propagation set on the container's "/" after pivot_root (linux.rootfsPropagation); 0 = none. */
  rootfsPropagation: number;
  /** Use MS_MOVE + chroot instead of pivot_root (runc --no-pivot). */
  noPivot: boolean;
  /** Union of CLONE_NEW* flags for namespaces created fresh. */
  cloneFlags: number;
  /** Existing namespaces to enter before the clone. */
  joins: NamespaceJoin[];
  hostname: string | null;
  domainname: string | null;
  mounts: MountOp[];
  /** Create default device nodes and links (false when /dev is bind-mounted from the host). */
  setupDev: boolean;
  devices: DeviceNode[];
  symlinks: Symlink[];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** Written in order, each to a namespace the container has to itself (checked by the compiler). */
  sysctl: SysctlWrite[];
  process: ProcessPlan;
  /** linux.seccomp; null = no filter. */
  seccomp: SeccompPlan | null;
  /** personality(2) domain (PER_LINUX, PER_LINUX32); null = inherit. */
  personality: number | null;
  /** Hooks run by the init inside the container (the others run in tsrunc). */
  hooks: HooksPlan;
}
