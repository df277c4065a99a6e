#include "clone_into_cgroup.h"

#include <linux/magic.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "error.h"

pid_t clone_into_cgroup(int flags, int cgroupFd, bool& placed) {
  struct clone_args args = {};
  args.flags = static_cast<uint64_t>(flags);
  args.exit_signal = SIGCHLD;
  if (cgroupFd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(cgroupFd);
  }
  long pid = syscall(SYS_clone3, &args, sizeof args);
  placed = pid >= 0 && cgroupFd >= 0;
  // ENOSYS: no clone3 (before 5.3); E2BIG: clone_args too new for it (5.3-5.6); EINVAL with a
  // cgroup: no CLONE_INTO_CGROUP, or the fd is not a cgroup2 directory.
  if (pid < 0 && (errno == ENOSYS || errno == E2BIG || (cgroupFd >= 0 && errno == EINVAL))) {
    args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS) pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  }
  if (pid < 0) fail_errno(flags ? "clone into new namespaces" : "fork", "/linux/namespaces");
  return static_cast<pid_t>(pid);
}

bool is_cgroup2_dir(int dirFd) {
  struct statfs fs;
  return fstatfs(dirFd, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}
