// The plan: everything tsrunc-init needs to build one container, fully resolved.
//
// The TypeScript side compiles a validated config.json into this flat structure (paths made
// absolute, mount options turned into flag bits, names turned into numbers). tsrunc-init
// (native/init) executes it step by step and decides nothing on its own. A plan is plain JSON:
// it can be printed (`tsrunc plan`), diffed and unit-tested without root.
//
// 64-bit values (rlimits, later cgroup limits) are decimal strings: JSON numbers above 2^53
// would lose precision in JavaScript.

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
  process: ProcessPlan;
}
