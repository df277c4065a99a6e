#include "exec.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "clone_into_cgroup.h"
#include "console.h"
#include "error.h"
#include "fd.h"
#include "finalize.h"
#include "plan.h"
#include "process.h"
#include "procfs.h"
#include "proc_stat.h"
#include "reap.h"
#include "sched.h"
#include "seccomp.h"
#include "seccomp_agent.h"

using nlohmann::json;

namespace {

// Sync step 9 (SyncExec, generated): the ExecPlan, wait, preserveFds and the container's state.
SyncExec parse_exec(const json& l) {
  // The version first: a plan of another version may have other fields.
  check_plan_version(l.contains("exec") ? l["exec"] : json());
  return parse_message<SyncExec>(l, SyncStep::Exec);
}

// A pidfd of the init, checked to be the process tsrunc recorded: from here on a pid reused by
// another process cannot redirect the exec into someone else's namespaces.
int open_init(const ExecPlan& x) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, x.pid, 0));
  if (fd < 0 && errno == ESRCH) throw SetupError("container " + x.id + " is not running", ESRCH);
  if (fd < 0) fail_errno("pidfd_open");
  tsrunc::ProcStat st;
  if (!tsrunc::readProcStat(x.pid, st) || st.startTime != x.pidStartTime) {
    close(fd);
    throw SetupError("container " + x.id + " is not running", ESRCH);
  }
  return fd;
}

// A container without a mount namespace of its own (linux.namespaces has none) lives in the host's,
// chrooted into its rootfs: the exec process enters the init's root (runc leaves it at the host's
// "/"). Opened here, before any namespace is joined, and only trusted once the pidfd shows the
// init still alive (so the pid was not reused in between).
int open_init_root(const ExecPlan& x, int pidfd) {
  Fd proc(open_procfs_root("/linux/namespaces"));
  int fd = openat(proc.fd, (std::to_string(x.pid) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("open the container's root", "/root/path");
  if (syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) < 0) {
    close(fd);
    throw SetupError("container " + x.id + " is not running", ESRCH);
  }
  return fd;
}

void enter_root(int rootFd) {
  if (fchdir(rootFd) < 0 || chroot(".") < 0) fail_errno("enter the container's root", "/root/path");
  close(rootFd);
}

void enter_cgroups(const std::vector<int>& dirs, const std::vector<std::string>& names) {
  for (size_t i = 0; i < dirs.size(); i++) {
    Fd procs(openat(dirs[i], "cgroup.procs", O_WRONLY | O_CLOEXEC));
    if (procs.fd < 0 || write(procs.fd, "0", 1) != 1) fail_errno("enter cgroup " + names[i], "/linux/cgroupsPath");
    close(dirs[i]);
  }
}

// The exec process: everything here runs in the container's pid namespace.
// This process's pid as the host sees it (a seccomp agent gets it): the host's /proc names it,
// before the container's mount namespace is joined.
int host_pid() {
  char buf[32] = {};
  const ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) fail_errno("readlink /proc/self");
  return atoi(buf);
}

[[noreturn]] void run_exec_process(const SyncExec& launch, SyncSocket& sync, int consoleFd, int pidfd,
                                   const std::vector<int>& cgroupDirs, int agent, int rootFd) {
  const ExecPlan& x = launch.exec;
  const ProcessPlan& p = x.process;
  try {
    prctl(PR_SET_NAME, "tsrunc:[2:EXEC]", 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // nothing in the container may ptrace or open us
    const int pid = agent >= 0 ? host_pid() : 0;
    // Before the cgroup namespace: moving into a cgroup is checked against the mover's one.
    enter_cgroups(cgroupDirs, x.cgroups);
    const int rest = x.namespaces & ~(CLONE_NEWUSER | CLONE_NEWPID);
    if (rest && setns(pidfd, rest) < 0) fail_errno("join the container's namespaces", "/linux/namespaces");
    close(pidfd);
    if (rootFd >= 0) enter_root(rootFd);
    // As the init: root of the user namespace, so the pty and anything made belong to its root.
    if (x.namespaces & CLONE_NEWUSER) become_userns_root();
    Pty pty;
    if (p.terminal) {
      Fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
      pty = open_container_pty(root.fd, p);
    }
    PreparedProcess prepared = prepare_process(p, x.seccomp);
    if (p.terminal) {
      send_console_master(consoleFd, pty);
      close(pty.master);
      become_terminal_owner(pty.slave);
    }
    if (consoleFd >= 0) close(consoleFd);
    close_runtime_fds(launch.preserveFds);
    finalize_process(prepared, p, x.seccomp, x.personality, {agent, pid, launch.state}, {});
  } catch (const SetupError& e) {
    sync.send_error(e.what(), e.err, e.pointer);
    _exit(1);
  }
}

}  // namespace

int run_exec(const json& message, SyncSocket& sync, int consoleFd) {
  prctl(PR_SET_NAME, "tsrunc:[0:EXEC]", 0, 0, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  SyncExec launch;
  const ExecPlan& x = launch.exec;
  int pidfd = -1;
  int agent = -1;
  int rootFd = -1;
  std::vector<int> cgroupDirs;
  pid_t pid;
  try {
    launch = parse_exec(message);
    if (x.process.terminal) require_console_socket(consoleFd);
    pidfd = open_init(x);
    if (!(x.namespaces & CLONE_NEWNS)) rootFd = open_init_root(x, pidfd);
    // SCMP_ACT_NOTIFY: the agent's socket is a host path, connected here, in the host's mount
    // namespace; the process forked below sends it the notify fd once its filter is loaded.
    if (x.seccomp && x.seccomp->listener) agent = connect_agent(x.seccomp->listener->path);
    // Here, with the host's privilege (in a user namespace the score could only be raised); the
    // process forked below inherits it.
    apply_oom_score_adj(x.process);
    // execCPUAffinity.initial: where this helper runs until its child is in the container's
    // cgroup (the child inherits it, then apply_scheduling sets the final one).
    if (x.cpuAffinityInitial) set_cpu_affinity(x.cpuAffinityInitial, "/process/execCPUAffinity/initial");
    for (const std::string& dir : x.cgroups) {
      int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) fail_errno("open cgroup " + dir, "/linux/cgroupsPath");
      cgroupDirs.push_back(fd);
    }
    // The user namespace first (it owns the others), and the pid namespace here: only the
    // children of a process enter a pid namespace.
    const int early = x.namespaces & (CLONE_NEWUSER | CLONE_NEWPID);
    if (early && setns(pidfd, early) < 0) {
      // The init died since tsrunc looked (its pid namespace is going away with it).
      if (errno == ESRCH) throw SetupError("container " + x.id + " is not running", ESRCH);
      fail_errno("join the container's pid namespace", "/linux/namespaces");
    }
    // On cgroup v2 (one hierarchy) the process is born in the container's cgroup, as runc 1.4
    // does (clone_into_cgroup.h); elsewhere, or where the kernel cannot, it enters its cgroups
    // itself (enter_cgroups) before anything of it runs.
    bool placed = false;
    pid = clone_into_cgroup(0, cgroupDirs.size() == 1 && is_cgroup2_dir(cgroupDirs[0]) ? cgroupDirs[0] : -1, placed);
    if (placed) {
      for (int fd : cgroupDirs) close(fd);
      cgroupDirs.clear();
    }
  } catch (const SetupError& e) {
    sync.send_error(e.what(), e.err, e.pointer);
    return 1;
  }
  if (pid == 0) run_exec_process(launch, sync, consoleFd, pidfd, cgroupDirs, agent, rootFd);
  if (agent >= 0) close(agent);
  if (rootFd >= 0) close(rootFd);
  close(pidfd);
  for (int fd : cgroupDirs) close(fd);
  if (consoleFd >= 0) close(consoleFd);
  return finish_stage0(sync, pid, launch.wait);
}
