// tsrunc-init: executes one plan. tsrunc (Node) starts it from a sealed memfd; the fds and
// variables it gets and the numbered steps of the sync protocol are in sync.h.
//
// Two processes come out of it:
//   stage-0 ("tsrunc:[0:PARENT]") joins existing namespaces, clones the init into the new
//           ones, reports the init's pid, then exits - or, for a foreground `run`, waits for
//           the init and exits with its status.
//   init    ("tsrunc:[1:INIT]") builds the root filesystem, reports ready, blocks on the exec
//           FIFO until `start`, drops privileges and execs the user's process.
// Both are single-threaded programs, so unlike the Node process they may setns() and fork.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <memory>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "clone_into_cgroup.h"
#include "console.h"
#include "error.h"
#include "exec.h"
#include "fd.h"
#include "finalize.h"
#include "hooks.h"
#include "idmap.h"
#include "launch.h"
#include "plan.h"
#include "process.h"
#include "procfs.h"
#include "reap.h"
#include "resolve.h"
#include "rootfs.h"
#include "sched.h"
#include "seccomp.h"
#include "seccomp_agent.h"
#include "sync.h"
#include "zygote.h"

void fail_errno(const std::string& what, const std::string& pointer, int e) {
  throw SetupError(what + ": " + strerror(e), e, pointer);
}

namespace {

int fd_from_env(const char* name) {
  const char* v = getenv(name);
  return v ? atoi(v) : -1;
}

void join_namespaces(const Plan& plan) {
  // Every namespace is opened before the first is joined, as runc does: once in another user
  // namespace this process may no longer open a (non-dumpable) process's /proc/<pid>/ns files.
  std::vector<Fd> fds;
  for (const NamespaceJoin& ns : plan.joins) {
    fds.emplace_back(open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fds.back().fd < 0) fail_errno("open namespace " + ns.path, ns.pointer);
  }
  // The user namespace first: it owns the others joined or made after it (and joining them takes
  // its capabilities). The mount namespace last: entering it changes what every later path means.
  auto pass_of = [](int flag) { return flag == CLONE_NEWUSER ? 0 : flag == CLONE_NEWNS ? 2 : 1; };
  for (int pass = 0; pass < 3; pass++) {
    for (size_t i = 0; i < plan.joins.size(); i++) {
      const NamespaceJoin& ns = plan.joins[i];
      if (pass_of(ns.flag) != pass) continue;
      if (setns(fds[i].fd, ns.flag) < 0) fail_errno("join " + ns.type + " namespace " + ns.path, ns.pointer);
    }
  }
}

// A new time namespace, made by the init itself once it is root of the container's user namespace
// (as runc's nsexec does), so that user namespace owns it - made by tsrunc-init before the clone,
// it belonged to the host's. unshare() makes it the one this process's children would enter; its
// clock offsets can only be written before any process is in it; then the init enters it itself
// (setns to time_for_children: this process is single-threaded, as the kernel requires).
void new_time_namespace(const Plan& plan) {
  if (!(plan.cloneFlags & CLONE_NEWTIME)) return;
  if (unshare(CLONE_NEWTIME) < 0) fail_errno("create a time namespace", "/linux/namespaces");
  // Through a verified procfs: a joined mount namespace's /proc may be anything (procfs.h).
  Fd proc(open_procfs_root("/linux/timeOffsets"));
  if (!plan.timeOffsets.empty()) {
    std::string text;
    for (const TimeOffset& o : plan.timeOffsets)
      text += o.clock + " " + std::to_string(o.secs) + " " + std::to_string(o.nanosecs) + "\n";
    write_proc_file(proc.fd, "self/timens_offsets", text, "/linux/timeOffsets");
  }
  Fd ns(openat(proc.fd, "self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
  if (ns.fd < 0 || setns(ns.fd, CLONE_NEWTIME) < 0) fail_errno("enter the new time namespace", "/linux/namespaces");
}

// Clones the init into its new namespaces - and, given a cgroup, straight into that cgroup
// (clone_into_cgroup.h). Where the kernel cannot, the init is moved before it is told to go on,
// which is still before any code of the container runs.
pid_t clone_init(int flags, int cgroupFd) {
  bool placed = false;
  const pid_t pid = clone_into_cgroup(flags, cgroupFd, placed);
  if (pid == 0 || cgroupFd < 0 || placed) return static_cast<pid_t>(pid);
  int procs = openat(cgroupFd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  const std::string text = std::to_string(pid);
  if (procs < 0 || write(procs, text.data(), text.size()) < 0) {
    int e = errno;
    kill(static_cast<pid_t>(pid), SIGKILL);
    fail_errno("move the init into its cgroup", "/linux/cgroupsPath", e);
  }
  close(procs);
  return static_cast<pid_t>(pid);
}

// Blocks until `tsrunc start` opens the FIFO for reading. The FIFO is reached through the
// container's own /proc, so the state directory is never visible inside the container.
// Returns the write end, kept open (close-on-exec) until the user process is executed:
// `start` reads until it closes, so it knows the exec happened (and only then runs poststart
// hooks), or reads "e<message>" if something failed on the way.
int wait_for_start(int fifoFd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fifoFd);
  int fd;
  // sync step 7: blocks until `tsrunc start` opens the read side.
  do fd = open(path.c_str(), O_WRONLY | O_CLOEXEC); while (fd < 0 && errno == EINTR);
  if (fd < 0) fail_errno("open exec fifo (is /proc mounted in the container?)");
  // The path went through the container's /proc: it must have reached our FIFO, not a file the
  // rootfs put where procfs should be (then the process would run before `start`).
  struct stat want, got;
  if (fstat(fifoFd, &want) < 0 || fstat(fd, &got) < 0 || want.st_dev != got.st_dev || want.st_ino != got.st_ino) {
    close(fd);
    throw SetupError("the exec fifo reached through the container's /proc is not tsrunc's (is /proc procfs?)", EINVAL, "");
  }
  if (write(fd, "0", 1) != 1) fail_errno("write exec fifo");
  close(fifoFd);
  return fd;
}

// Before `ready`: the path wait_for_start will open must reach the FIFO through the container's
// /proc, or the init would fail only after create has reported success (a /proc masked, a config
// without a proc mount, a rootfs's fake /proc). The field named is what decided that /proc.
void check_fifo_reachable(const Plan& plan, int fifoFd) {
  struct stat want, got;
  const std::string path = "/proc/self/fd/" + std::to_string(fifoFd);
  if (fstat(fifoFd, &want) == 0 && stat(path.c_str(), &got) == 0 && want.st_dev == got.st_dev && want.st_ino == got.st_ino)
    return;
  std::string pointer = "/mounts";
  for (const MountOp& m : plan.mounts)
    if (m.destination == "/proc") pointer = m.pointer;
  for (size_t i = 0; i < plan.maskedPaths.size(); i++)
    if (plan.maskedPaths[i] == "/proc") pointer = "/linux/maskedPaths/" + std::to_string(i);
  throw SetupError("the container's /proc does not reach the exec fifo: /proc must be procfs, mounted and not masked", ENOENT,
                   pointer);
}

void report_after_ready(const SetupError& e, int startFd) {
  const std::string where = e.pointer.empty() ? "" : " (config.json " + e.pointer + ")";
  const std::string msg = std::string(e.what()) + where;
  if (startFd >= 0) {
    const std::string record = "e" + msg;  // sync step 8, failed
    ssize_t n = write(startFd, record.data(), record.size());
    (void)n;
  }
  // Nobody listens on the sync socket any more: also say it where the user looks.
  dprintf(2, "tsrunc: container init failed: %s\n", msg.c_str());
}

// The init: sync steps 3 to 8, in order (steps 1 and 2 are stage-0's, in main()).
[[noreturn]] void run_init(const Launch& launch, SyncSocket& sync) {
  const Plan& plan = launch.plan;
  bool reported = false;
  int startFd = -1;
  try {
    prctl(PR_SET_NAME, "tsrunc:[1:INIT]", 0, 0, 0);
    // Non-dumpable: processes in the container cannot ptrace us or open our /proc files. In a
    // new user namespace only after "go": until then tsrunc (or newuidmap, for a rootless
    // caller) writes /proc/<init>/uid_map, which the kernel gives a non-dumpable process's
    // owner no access to; nothing of the container runs yet.
    if (!plan.userNamespace) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Nodes and mount points get exactly the modes the plan asks for. The hooks are the
    // runtime's programs, not ours: they run with the umask tsrunc was started with.
    const mode_t runtimeUmask = umask(0);
    const HookStates states = sync.wait_go();  // sync step 3
    // In the container's user namespace since the clone (so it owns the time namespace made here),
    // still with the credentials it was cloned with: becoming its root resets the dumpable flag,
    // and a non-dumpable process's /proc/self/timens_offsets belongs to the host's root.
    new_time_namespace(plan);
    if (plan.userNamespace) {
      become_userns_root();  // the maps are written: tsrunc does that before "go"
      prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    // The cgroup namespace is made now, not at clone: its root is the cgroup the init is in when it
    // is made, and on cgroup v1 tsrunc places the init in its cgroups only before "go".
    if ((plan.cloneFlags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) fail_errno("create cgroup namespace", "/linux/namespaces");
    // Before the rootfs is built: readonlyPaths usually include /proc/sys (runc's default config
    // does), and runc too writes sysctls before making paths read-only. The init is already in
    // the container's namespaces, which is what a /proc/sys write changes.
    apply_sysctls(plan);
    if (!plan.userNamespace) apply_oom_score_adj(plan.process);
    build_rootfs(plan);
    if (plan.process.terminal) {
      FdPathScope procfs;  // the console's bind mount, too, through our own procfs (resolve.h)
      setup_init_terminal(plan, launch.consoleFd);
    }
    if (plan.hooks.runtimeHooks) sync.pause_for_runtime_hooks();  // sync steps 4 and 5
    // runc runs createContainer hooks from the container's root (its host path, before pivot_root):
    // a hook may use paths relative to it (`./lib/x`).
    if (!plan.hooks.createContainer.empty() && chdir(plan.rootfs.c_str()) < 0)
      fail_errno("chdir to the rootfs for the createContainer hooks", "/hooks/createContainer");
    run_hooks(plan.hooks.createContainer, states.creating, runtimeUmask);
    // Connected now, while the agent's host path is reachable; used once the filter is loaded.
    const int agent = plan.seccomp && plan.seccomp->listener ? connect_agent(plan.seccomp->listener->path) : -1;
    apply_hostname(plan);
    enter_rootfs(plan);
    PreparedProcess prepared = prepare_process(plan.process, plan.seccomp);
    if (launch.fifoFd >= 0) check_fifo_reachable(plan, launch.fifoFd);
    close_runtime_fds(launch.preserveFds);
    sync.send(SyncReady{});  // sync step 6
    reported = true;
    close(sync.fd());
    if (launch.fifoFd >= 0) startFd = wait_for_start(launch.fifoFd);  // sync step 7
    // sync step 8: from here, exec closes startFd (close-on-exec), or a failure writes "e<message>".
    // startContainer hooks run last, as under runc: confined as the process will be (its user,
    // capabilities, no_new_privs, seccomp filter, LSM exec label), so that a hook does in the
    // container only what its process may do. Only their umask is the runtime's (README, hooks).
    finalize_process(prepared, plan.process, plan.seccomp, plan.personality, {agent, states.pid, states.created},
                     [&] { run_hooks(plan.hooks.startContainer, states.created, runtimeUmask); });
  } catch (const SetupError& e) {
    if (!reported) {
      sync.send_error(e.what(), e.err, e.pointer);  // in place of sync step 4 or 6
    } else {
      report_after_ready(e, startFd);
    }
    _exit(reported ? 127 : 1);
  }
}

}  // namespace

int main() {
  // The fork server (zygote.h): returns only in a helper it forked, set up as a spawned one.
  if (const char* zygote = getenv(contract::kZygoteFdEnv)) zygote_serve(atoi(zygote));
  // Hidden diagnostics mode for test/18-plan-contract.test.js: echo a plan as this side reads it.
  if (const char* echo = getenv(contract::kPlanEchoEnv)) return echo_plan(echo);
  // The runner of the runtime's hooks (hooks.h): one hook policy wherever hooks run.
  if (getenv(contract::kRunHooksEnv)) return serve_runtime_hooks();
  prctl(PR_SET_NAME, "tsrunc:[0:PARENT]", 0, 0, 0);
  const int syncFd = fd_from_env(contract::kSyncFdEnv);
  if (syncFd < 0) {
    dprintf(2, "tsrunc-init is started by tsrunc, not by hand\n");
    return 2;
  }
  // Whatever tsrunc's caller left open without close-on-exec has no business here: keep only
  // stdio, the preserved fds, the sync socket and the FIFO (which tsrunc places right after them).
  const int fifoFd = fd_from_env(contract::kFifoFdEnv);
  const int cgroupFd = fd_from_env(contract::kCgroupFdEnv);
  const int consoleFd = fd_from_env(contract::kConsoleFdEnv);  // issue 9: --console-socket / tsrunc's own
  syscall(SYS_close_range, static_cast<unsigned>(std::max({syncFd, fifoFd, cgroupFd, consoleFd}) + 1), ~0U, 0);
  SyncSocket sync(syncFd);
  Launch launch;
  pid_t pid;
  try {
    const nlohmann::json first = sync.expect({SyncStep::Launch, SyncStep::Exec});  // sync step 1
    if (first["type"] == step_name(SyncStep::Exec)) return run_exec(first, sync, consoleFd);
    launch = parse_launch(first);
    launch.consoleFd = consoleFd;
    launch.fifoFd = fifoFd;
    // In a user namespace the init could only raise its score: the host's privilege lowers it
    // here, before any namespace is joined or made, and the init inherits it (runc does the same).
    if (launch.plan.userNamespace) apply_oom_score_adj(launch.plan.process);
    prepare_idmapped_mounts(launch.plan);  // with the host's privilege, before any namespace
    join_namespaces(launch.plan);
    // The time and cgroup namespaces are made by the init itself (see run_init).
    pid = clone_init(launch.plan.cloneFlags & ~(CLONE_NEWTIME | CLONE_NEWCGROUP), cgroupFd);
  } catch (const SetupError& e) {
    sync.send_error(e.what(), e.err, e.pointer);  // in place of sync step 2
    return 1;
  }
  if (pid == 0) {
    if (cgroupFd >= 0) close(cgroupFd);
    run_init(launch, sync);
  }
  if (consoleFd >= 0) close(consoleFd);
  if (launch.fifoFd >= 0) close(launch.fifoFd);
  return finish_stage0(sync, pid, launch.wait);
}
