#include "procfs.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"

namespace {

constexpr ino_t kProcRootIno = 1;  // PROC_ROOT_INO

// A fresh procfs of the caller's pid namespace, mounted nowhere: no overmount can exist on it.
int fresh_procfs() {
  Fd ctx(static_cast<int>(syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC)));
  if (ctx.fd < 0) return -1;
  if (syscall(SYS_fsconfig, ctx.fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return -1;
  return static_cast<int>(syscall(SYS_fsmount, ctx.fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
}

bool on_procfs(int fd) {
  struct statfs fs;
  return fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

int open_beneath(int root, const std::string& rel, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

}  // namespace

int open_procfs_root(const std::string& pointer) {
  int fd = fresh_procfs();
  if (fd >= 0) return fd;
  // Without fsopen (old kernel, not privileged for it): this namespace's /proc, if it is procfs's
  // own root (not a bind of a subdirectory, not another filesystem).
  fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("open /proc", pointer);
  struct stat st;
  if (!on_procfs(fd) || fstat(fd, &st) < 0 || st.st_ino != kProcRootIno) {
    close(fd);
    throw SetupError("/proc is not the root of a procfs; refusing to write to /proc files through it", EINVAL, pointer);
  }
  return fd;
}

bool proc_file_exists(int procRoot, const std::string& rel) {
  Fd fd(open_beneath(procRoot, rel, O_PATH));
  return fd.fd >= 0;
}

void write_proc_file(int procRoot, const std::string& rel, const std::string& value, const std::string& pointer) {
  const std::string path = "/proc/" + rel;
  Fd fd(open_beneath(procRoot, rel, O_WRONLY));
  if (fd.fd < 0) {
    if (errno == EXDEV) throw SetupError("open " + path + ": something is mounted over it; refusing to write there", EXDEV, pointer);
    fail_errno("open " + path, pointer);
  }
  if (!on_procfs(fd.fd)) throw SetupError(path + " is not on procfs; refusing to write there", EINVAL, pointer);
  ssize_t n = write(fd.fd, value.data(), value.size());
  if (n < 0) fail_errno("write " + path, pointer);
  if (static_cast<size_t>(n) != value.size()) throw SetupError("short write to " + path, 0, pointer);
}

void apply_sysctls(const Plan& plan) {
  if (plan.sysctl.empty()) return;
  Fd proc(open_procfs_root("/linux/sysctl"));
  for (const SysctlWrite& s : plan.sysctl) {
    // The plan's paths are absolute ("/proc/sys/..."): below our procfs root they are relative.
    const std::string rel = s.path.compare(0, 6, "/proc/") == 0 ? s.path.substr(6) : s.path;
    write_proc_file(proc.fd, rel, s.value, s.pointer);
  }
}

void apply_oom_score_adj(const ProcessPlan& p) {
  if (!p.oomScoreAdj) return;
  Fd proc(open_procfs_root("/process/oomScoreAdj"));
  write_proc_file(proc.fd, "self/oom_score_adj", std::to_string(*p.oomScoreAdj), "/process/oomScoreAdj");
}
