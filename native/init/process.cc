#include "process.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <cstring>
#include <fcntl.h>
#include <string>
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
#include "fd.h"

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

// An errno in the words runc's (Go's) messages use: "no such file or directory", not strerror's
// "No such file or directory". Clients match them: Docker maps "executable file not found" / "no such
// file or directory" to exit 127 and "permission denied" to 126, podman likewise.
std::string go_strerror(int e) {
  std::string s = strerror(e);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && !(s.size() > 1 && s[1] >= 'A' && s[1] <= 'Z')) s[0] = char(s[0] - 'A' + 'a');
  return s;
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& kv : env)
    if (kv.compare(0, name.size() + 1, name + "=") == 0) return kv.substr(name.size() + 1);
  return "";
}

}  // namespace

std::string find_executable(const ProcessPlan& p) {
  const std::string& name = p.args[0];
  // runc's messages (Go's exec.LookPath): `exec: "/x": stat /x: no such file or directory` for a
  // path that is not there, `exec: "/x": permission denied` for one that is not an executable file.
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (stat(name.c_str(), &st) < 0) {
      const int e = errno;
      throw SetupError("exec: \"" + name + "\": stat " + name + ": " + go_strerror(e), e, "/process/args/0");
    }
    if (!is_executable_file(name))
      throw SetupError("exec: \"" + name + "\": " + go_strerror(EACCES), EACCES, "/process/args/0");
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

// A user namespace whose gid_map was written by its unprivileged owner refuses setgroups(2) for
// good (/proc/<pid>/setgroups "deny", which the kernel requires for such a map): the process keeps
// the groups it had, as under runc. Only an EPERM with no groups asked for is let through.
bool setgroups_denied() {
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && std::string(buf, 4) == "deny";
}

// Groups and gid first: changing them needs CAP_SETGID, which the switch to a non-root uid may take.
void switch_user(const ProcessPlan& p) {
  own_stdio(p.uid);
  std::vector<gid_t> groups(p.additionalGids.begin(), p.additionalGids.end());
  if (setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty() && setgroups_denied()))
    fail_errno("setgroups", "/process/user/additionalGids");
  if (setresgid(p.gid, p.gid, p.gid) < 0) fail_errno("setgid", "/process/user/gid");
  if (setresuid(p.uid, p.uid, p.uid) < 0) fail_errno("setuid", "/process/user/uid");
}

}  // namespace

void become_userns_root() {
  if (setresgid(0, 0, 0) < 0) fail_errno("become gid 0 of the user namespace (is gid 0 mapped?)", "/linux/gidMappings");
  if (setgroups(0, nullptr) < 0 && !(errno == EPERM && setgroups_denied())) fail_errno("clear supplementary groups", "/linux/gidMappings");
  if (setresuid(0, 0, 0) < 0) fail_errno("become uid 0 of the user namespace (is uid 0 mapped?)", "/linux/uidMappings");
}

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

namespace {

// The container's /etc/passwd is the image's: read it as untrusted input. A FIFO or a device there
// must not block or flood the init (opened non-blocking, regular files only), and only its first
// kMaxPasswdBytes are looked at.
constexpr size_t kMaxPasswdBytes = 4 << 20;

std::string read_passwd() {
  Fd fd(open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st;
  if (fd.fd < 0 || fstat(fd.fd, &st) < 0 || !S_ISREG(st.st_mode)) return "";
  std::string text;
  char buf[8192];
  while (text.size() < kMaxPasswdBytes) {
    ssize_t n = read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

std::string home_env(const ProcessPlan& p) {
  for (const std::string& kv : p.env)
    if (kv.compare(0, 5, "HOME=") == 0) return "";
  const std::string text = read_passwd();
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string::npos) end = text.size();
    // name:password:uid:gid:gecos:home:shell
    std::vector<std::string> f;
    size_t j = i;
    while (f.size() < 7) {
      size_t colon = text.find(':', j);
      if (colon == std::string::npos || colon > end) colon = end;
      f.push_back(text.substr(j, colon - j));
      if (colon == end) break;
      j = colon + 1;
    }
    i = end + 1;
    if (f.size() < 6 || f[2].empty() || f[2].find_first_not_of("0123456789") != std::string::npos) continue;
    errno = 0;
    const unsigned long long uid = strtoull(f[2].c_str(), nullptr, 10);
    if (errno == 0 && uid == p.uid && !f[5].empty()) return "HOME=" + f[5];
  }
  return "HOME=/";
}

void exec_process(const std::string& path, const ProcessPlan& p, const std::string& extraEnv) {
  std::vector<char*> argv, envp;
  for (const std::string& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  if (!extraEnv.empty()) envp.push_back(const_cast<char*>(extraEnv.c_str()));
  envp.push_back(nullptr);
  execve(path.c_str(), argv.data(), envp.data());
  const int e = errno;
  throw SetupError("exec " + path + ": " + go_strerror(e), e, "/process/args/0");
}
