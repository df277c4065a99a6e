// Compiles a validated config.json into a Plan (its shape: plan.schema.json). Pure apart from stat() of bind
// sources and namespace paths and reading the kernel's cap_last_cap: no root needed, nothing
// created, so it is unit-tested and printable.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigError, pointer, type ConfigProblem } from '../errors';
import type { Spec } from '../generated/config';
import { exactInteger } from '../spec/numbers';
import { compileCapabilities, kernelCapLastCap } from './capabilities';
import { DEFAULT_SYMLINKS, compileDevices } from './devices';
import { MS, RLIMIT } from './linux';
import { bindsDev, compileMounts, containerPath } from './mounts';
import { placeCgroupMounts, type CgroupMountView } from './cgroup-mount';
import { propagationFlags } from './mount-options';
import { compileHooks } from './hooks';
import { compileLsm, detectLsm, type LsmHost } from './lsm';
import { compileMemoryPolicy } from './memory-policy';
import { compileIoPriority, compilePersonality, compileScheduler } from './scheduling';
import { checkHostMountNamespace, checkJoinedNamespaces, compileNamespaces } from './namespaces';
import { compileSeccomp } from './seccomp';
import { compileSysctl, ownNamespaces } from './sysctl';
import { compileTimeOffsets, type TimeOffsetsSpec } from './time';
import { runningInUserNamespace } from '../rootless';
import { rootfsOverlayOf } from '../bundle/runtime-overlay';
import { PLAN_VERSION, type Plan, type ProcessPlan, type Rlimit } from './types';

export interface CompileOptions {
  id: string;
  /** runc --no-pivot: MS_MOVE + chroot instead of pivot_root (for ramfs roots). */
  noPivot?: boolean;
  /** The highest capability number the kernel knows; default: this kernel's (cap_last_cap). */
  capLastCap?: number;
  /** Receives what is accepted but probably not meant (e.g. capabilities this kernel lacks). */
  warnings?: ConfigProblem[];
  /** tsrunc itself runs in a user namespace (rootless podman's): mknod is refused; default: detected. */
  inUserNamespace?: boolean;
  /** Which LSMs the host runs; default: detected. */
  lsm?: LsmHost;
  /**
   * The host's and the container's cgroups as a cgroup mount shows them (cgroup-mount.ts). Without
   * it, cgroup mounts are left for the caller to place once the cgroups are planned (create does).
   */
  cgroupMounts?: CgroupMountView;
}

/** Everything compileProcess reports into. */
export interface Findings {
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

// runc: "umask defaults to 0022" when the config does not say.
const DEFAULT_UMASK = 0o022;

function compileRlimits(spec: Spec, problems: ConfigProblem[]): Rlimit[] {
  const out: Rlimit[] = [];
  (spec.process?.rlimits ?? []).forEach((r, i) => {
    const ptr = pointer('process', 'rlimits', i);
    const resource = RLIMIT[r.type];
    if (resource === undefined) {
      problems.push({ pointer: ptr + '/type', message: `unknown rlimit "${r.type}"` });
      return;
    }
    out.push({ resource, soft: exactInteger(r.soft) ?? '0', hard: exactInteger(r.hard) ?? '0', pointer: ptr });
  });
  return out;
}

// The kernel's range for /proc/<pid>/oom_score_adj (OOM_SCORE_ADJ_MIN/MAX).
const OOM_SCORE_ADJ_RANGE = [-1000, 1000] as const;

function compileOomScoreAdj(value: number | bigint | undefined, problems: ConfigProblem[]): number | null {
  if (value === undefined) return null;
  const [min, max] = OOM_SCORE_ADJ_RANGE;
  if (value < min || value > max) {
    problems.push({ pointer: '/process/oomScoreAdj', message: `must be between ${min} and ${max} (got ${value})` });
    return null;
  }
  return Number(value);
}

/**
 * spec.process -> ProcessPlan. The init's process and every `exec` (src/plan/exec.ts) go through
 * this one compiler, so an exec'd process gets exactly the attributes the init's would.
 */
export function compileProcess(spec: Spec, { problems, warnings }: Findings, capLastCap: number, lsmHost: LsmHost): ProcessPlan {
  const p = spec.process!;
  const user = p.user ?? { uid: 0, gid: 0 };
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: containerPath(p.cwd),
    uid: user.uid ?? 0,
    gid: user.gid ?? 0,
    additionalGids: user.additionalGids ?? [],
    umask: user.umask ?? DEFAULT_UMASK,
    noNewPrivileges: p.noNewPrivileges ?? false,
    rlimits: compileRlimits(spec, problems),
    capabilities: compileCapabilities(p.capabilities, capLastCap, problems, warnings),
    oomScoreAdj: compileOomScoreAdj(p.oomScoreAdj, problems),
    ioPriority: compileIoPriority(p.ioPriority, problems),
    scheduler: compileScheduler(p.scheduler, problems),
    memoryPolicy: compileMemoryPolicy(spec.linux?.memoryPolicy, problems),
    // The init's: every CPU its cpuset allows (execCPUAffinity "is not applicable to the init").
    cpuAffinity: null,
    lsm: compileLsm({ ...p, mountLabel: spec.linux?.mountLabel }, lsmHost, problems),
    terminal: p.terminal ?? false,
    consoleSize: compileConsoleSize(p.consoleSize, problems),
  };
}

// A winsize field is an unsigned short.
const MAX_CONSOLE_DIMENSION = 0xffff;

function compileConsoleSize(size: { height: number | bigint; width: number | bigint } | undefined, problems: ConfigProblem[]): ProcessPlan['consoleSize'] {
  if (!size) return null;
  for (const key of ['height', 'width'] as const) {
    if (size[key] > MAX_CONSOLE_DIMENSION) {
      problems.push({ pointer: `/process/consoleSize/${key}`, message: `must be at most ${MAX_CONSOLE_DIMENSION} (got ${size[key]})` });
      return null;
    }
  }
  return { rows: Number(size.height), cols: Number(size.width) };
}

export function compilePlan(spec: Spec, bundle: string, options: CompileOptions): Plan {
  const problems: ConfigProblem[] = [];
  const linux = spec.linux ?? {};
  const ns = compileNamespaces(linux.namespaces, problems);
  const rootfs = fs.realpathSync(path.resolve(bundle, spec.root?.path ?? 'rootfs'));
  const rootfsPropagation = linux.rootfsPropagation ? propagationFlags(linux.rootfsPropagation) ?? 0 : 0;
  const mounts = compileMounts(spec.mounts, bundle, ns.fresh.has('network'), problems,
    ns.fresh.has('user') ? { uid: linux.uidMappings, gid: linux.gidMappings } : {});
  const setupDev = !bindsDev(spec.mounts);
  const process = compileProcess(spec, { problems, warnings: options.warnings ?? [] }, options.capLastCap ?? kernelCapLastCap(), options.lsm ?? detectLsm());
  const userNamespace = ns.fresh.has('user') || ns.joins.some((j) => j.type === 'user');
  const own = ownNamespaces(ns.fresh, ns.joins);
  checkJoinedNamespaces(ns.joins, own, Boolean(spec.hostname || spec.domainname), problems);
  if (ns.hostMountNamespace) checkHostMountNamespace(linux.maskedPaths, linux.readonlyPaths, problems);
  const rootfsOverlay = rootfsOverlayOf(bundle, rootfs);
  if (rootfsOverlay && ns.hostMountNamespace) problems.push({ pointer: '/linux/namespaces', message: 'a rootless tsrunc bundle\'s overlay rootfs is mounted in the container\'s own mount namespace: add a "mount" namespace' });
  const sysctl = compileSysctl(linux.sysctl, own, problems);
  const timeOffsets = compileTimeOffsets(linux.timeOffsets as TimeOffsetsSpec | undefined, ns.fresh.has('time'), problems);
  const seccomp = compileSeccomp(linux.seccomp, problems, options.warnings);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    version: PLAN_VERSION,
    id: options.id,
    rootfs,
    rootReadonly: spec.root?.readonly ?? false,
    // Nothing mounted in the container may propagate back to the host: "/" always becomes a
    // recursive slave first. (Setting linux.rootfsPropagation there instead, non-recursively, left
    // a rootfs on a shared host mount shared: the container's mounts appeared on the host.) The
    // configured propagation is set on the container's "/" after pivot_root.
    rootPropagation: MS.SLAVE | MS.REC,
    rootfsPropagation,
    noPivot: options.noPivot ?? false,
    hostMountNamespace: ns.hostMountNamespace,
    rootfsOverlay,
    cloneFlags: ns.cloneFlags,
    joins: ns.joins,
    userNamespace,
    timeOffsets,
    hostname: spec.hostname ?? null,
    domainname: spec.domainname ?? null,
    mounts: options.cgroupMounts ? placeCgroupMounts(mounts, options.cgroupMounts) : mounts,
    setupDev,
    devices: setupDev ? compileDevices(linux.devices, userNamespace || (options.inUserNamespace ?? runningInUserNamespace())) : [],
    symlinks: setupDev ? DEFAULT_SYMLINKS : [],
    maskedPaths: (linux.maskedPaths ?? []).map(containerPath),
    readonlyPaths: (linux.readonlyPaths ?? []).map(containerPath),
    sysctl,
    process,
    seccomp,
    personality: compilePersonality(linux.personality, problems),
    hooks: compileHooks(spec),
  };
}
