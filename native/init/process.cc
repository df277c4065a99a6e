#include "process.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "capabilities.h"
#include "error.h"

void apply_rlimits(const ProcessPlan& p) {
  for (const Rlimit& r : p.rlimits) {
    struct rlimit64 lim = {r.soft, r.hard};
    if (prlimit64(0, static_cast<__rlimit_resource>(r.resource), &lim, nullptr) < 0)
      fail_errno("setrlimit", r.pointer);
  }
}

void apply_hostname(const Plan& plan) {
  if (plan.hostname && sethostname(plan.hostname->data(), plan.hostname->size()) < 0)
    fail_errno("sethostname", "/hostname");
  if (plan.domainname && setdomainname(plan.domainname->data(), plan.domainname->size()) < 0)
    fail_errno("setdomainname", "/domainname");
}

namespace {

bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& kv : env)
    if (kv.compare(0, name.size() + 1, name + "=") == 0) return kv.substr(name.size() + 1);
  return "";
}

}  // namespace

std::string find_executable(const ProcessPlan& p) {
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    if (!is_executable_file(name))
      throw SetupError("exec: " + name + ": " + strerror(errno ? errno : EACCES), errno, "/process/args/0");
    return name;
  }
  const std::string path = env_value(p.env, "PATH");
  size_t i = 0;
  while (!path.empty() && i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    i = j + 1;
  }
  throw SetupError("exec: \"" + name + "\": executable file not found in $PATH", ENOENT, "/process/args/0");
}

namespace {

// As runc (fixStdioPermissions): stdio the process could not reopen as its own user
// (/dev/stdout, /proc/self/fd/1 of a pipe made by root) becomes its user's; the group stays. Only
// pipes and sockets, which exist for this process alone: a regular file or a terminal of the host
// given as stdio stays as it is (runc would hand the host's file or tty to the container's uid).
// The container's own pty is given to the user when it is made (console.cc). Refusals are no
// error (runc's list: an id the namespace cannot map, a read-only mount).
void own_stdio(uid_t uid) {
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) || st.st_uid == uid) continue;
    if (fchown(fd, uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
      fail_errno("give stdio (fd " + std::to_string(fd) + ") to the process's user", "/process/user/uid");
  }
}

// Groups and gid first: changing them needs CAP_SETGID, which the switch to a non-root uid may take.
void switch_user(const ProcessPlan& p) {
  own_stdio(p.uid);
  std::vector<gid_t> groups(p.additionalGids.begin(), p.additionalGids.end());
  if (setgroups(groups.size(), groups.data()) < 0) fail_errno("setgroups", "/process/user/additionalGids");
  if (setresgid(p.gid, p.gid, p.gid) < 0) fail_errno("setgid", "/process/user/gid");
  if (setresuid(p.uid, p.uid, p.uid) < 0) fail_errno("setuid", "/process/user/uid");
}

}  // namespace

// The capability steps wrap the user switch (see capabilities.h for why in this order). The
// compiler always sends the five masks (no capabilities object = all empty, as runc).
void apply_identity(const ProcessPlan& p) {
  drop_bounding_set(p.capabilities);
  keep_capabilities(true);
  switch_user(p);
  keep_capabilities(false);
  set_capabilities(p.capabilities);
  if (p.noNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    fail_errno("prctl(PR_SET_NO_NEW_PRIVS)", "/process/noNewPrivileges");
  umask(p.umask);
}

void close_runtime_fds(int preserveFds) {
  unsigned int first = 3 + preserveFds;
  if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    fail_errno("close_range");
}

void exec_process(const std::string& path, const ProcessPlan& p) {
  std::vector<char*> argv, envp;
  for (const std::string& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(path.c_str(), argv.data(), envp.data());
  fail_errno("exec " + path, "/process/args/0");
}
