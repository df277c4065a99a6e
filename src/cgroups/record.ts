// What state.json remembers of a container's cgroup: enough for every later verb to rebuild the
// manager that placed it (cgroup-manager.ts managerFor), whatever the host looks like by then.

export interface CgroupRecord {
  /** v2 and systemd: the container's cgroup2 directory. v1: its cgroup in the cgroup2 tree (hybrid) or its freezer cgroup. */
  dir: string;
  /** tsrunc made the leaf (directory or unit), so delete removes it (never a cgroup someone else made). */
  created: boolean;
  /** Present when the cgroup v1 driver placed the container (v1/manager.ts). */
  v1?: {
    /** Hierarchy key ("memory", "cpu,cpuacct", "name=systemd"; "" = the cgroup2 tree) -> directory. */
    dirs: Record<string, string>;
    /** The leaf directories tsrunc made: delete removes exactly these. */
    made: string[];
  };
  /** Present when the systemd driver placed the container: a transient unit owns the cgroup (systemd/manager.ts). */
  systemd?: SystemdUnitRecord;
}

export interface SystemdUnitRecord {
  /** The transient unit: "docker-<id>.scope", or a slice ("<name>.slice"). */
  unit: string;
  /** The slice it was started in ("system.slice"). */
  slice: string;
  /** Which systemd instance owns it: the system manager, or (rootless) the user's. */
  bus: 'system' | 'user';
}
