// Starting a process inside its cgroup: clone3(CLONE_INTO_CGROUP) (Linux 5.7, cgroup v2) puts
// the child in the cgroup as it is born, so no instruction of it ever runs - or is counted -
// anywhere else. Shared by the init (main.cc) and the exec process (exec.cc), as runc 1.4 does both.
#pragma once
#include <sys/types.h>

// Clones a child with `flags` (CLONE_NEW*; 0 for a plain fork) into the cgroup2 directory
// `cgroupFd` (< 0: none). Where the kernel cannot (no clone3, no CLONE_INTO_CGROUP, not a
// cgroup2 directory) it clones without, and `placed` is false: the caller then moves the child.
// Returns the pid, 0 in the child. Throws SetupError naming /linux/namespaces.
pid_t clone_into_cgroup(int flags, int cgroupFd, bool& placed);

// Whether `dirFd` is a directory of a cgroup2 hierarchy (the only kind CLONE_INTO_CGROUP takes).
bool is_cgroup2_dir(int dirFd);
