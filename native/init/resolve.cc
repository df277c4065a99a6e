#include "resolve.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "error.h"
#include "fd.h"
#include "procfs.h"

namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's own limit

int openat2_in_root(int rootfd, const std::string& rel) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* p = rel.empty() ? "." : rel.c_str();
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, rootfd, p, &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

// Splits a path into its components, applying "." and ".." lexically and clamping ".." at the
// root (the kernel does the same under RESOLVE_IN_ROOT). The plan's paths are already clean (the
// compiler cleaned them: src/plan/mounts.ts containerPath), so for them this only splits; the
// cleaning is for what the rootfs supplies at run time, the targets of dangling symlinks.
std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string c = path.substr(i, j - i);
    if (c == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.push_back(c);
    }
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; i++) {
    if (i) s += '/';
    s += parts[i];
  }
  return s;
}


}  // namespace

namespace {
bool g_relative = false;  // an FdPathScope is alive
}  // namespace

std::string proc_path(const std::string& rel) { return g_relative ? rel : "/proc/" + rel; }

std::string fd_path(int fd) { return proc_path("self/fd/" + std::to_string(fd)); }

FdPathScope::FdPathScope() : saved_(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)), proc_(-1) {
  if (saved_ < 0) fail_errno("open the working directory");
  proc_ = open_procfs_root("");
  if (fchdir(proc_) < 0) {
    int e = errno;
    close(proc_);
    close(saved_);
    fail_errno("enter our procfs", "", e);
  }
  g_relative = true;
}

FdPathScope::~FdPathScope() {
  g_relative = false;
  if (fchdir(saved_) < 0) (void)chdir("/");
  close(saved_);
  close(proc_);
}

int try_open_in_root(int rootfd, const std::string& path) {
  return openat2_in_root(rootfd, join(components(path), components(path).size()));
}

int open_in_root(int rootfd, const std::string& path, Create create, const std::string& pointer) {
  std::vector<std::string> parts = components(path);
  int fd = openat2_in_root(rootfd, join(parts, parts.size()));
  if (fd >= 0) return fd;
  // RESOLVE_NO_MAGICLINKS says ELOOP for a magic link on the way (/proc/self/fd/N, /proc/self/root...):
  // say so, rather than leave "too many levels of symbolic links" to be puzzled over.
  if (errno == ELOOP)
    throw SetupError("open " + path + " in the container's root: " + strerror(ELOOP) +
                         " (it passes through a /proc magic link, or a symlink loop); refusing to follow it",
                     ELOOP, pointer);
  if (errno != ENOENT || create == Create::None)
    fail_errno("open " + path + " in the container's root", pointer);

  // Walk from the root, creating what is missing. A component that exists but cannot be
  // opened is a dangling symlink: restart the walk at its target, resolved inside the root.
  int links = 0;
  size_t i = 0;
  while (i < parts.size()) {
    const std::string prefix = join(parts, i + 1);
    int next = openat2_in_root(rootfd, prefix);
    if (next >= 0) {
      close(next);
      i++;
      continue;
    }
    if (errno != ENOENT) fail_errno("open " + path + " in the container's root", pointer);
    Fd parent(openat2_in_root(rootfd, join(parts, i)));
    if (parent.fd < 0) fail_errno("open " + path + " in the container's root", pointer);
    const bool last = i + 1 == parts.size();
    int rc;
    if (last && create == Create::File) {
      rc = openat(parent.fd, parts[i].c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (rc >= 0) close(rc);
    } else {
      rc = mkdirat(parent.fd, parts[i].c_str(), 0755);
    }
    if (rc >= 0) {
      i++;
      continue;
    }
    if (errno != EEXIST) fail_errno("create " + prefix + " in the container's root", pointer);
    // A link that exists but cannot be opened under RESOLVE_NO_MAGICLINKS may be a magic link
    // (/proc/self/fd/N, /proc/<pid>/root): its "target" is a path of the runtime's view, not of the
    // rootfs; following it as text would create that path inside the rootfs. Magic links live on
    // procfs only.
    struct statfs fs;
    if (fstatfs(parent.fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC)
      throw SetupError(path + ": " + prefix + " is a /proc magic link (or a missing /proc file); refusing to resolve a mount destination through it",
                       ELOOP, pointer);
    char target[4096];
    ssize_t n = readlinkat(parent.fd, parts[i].c_str(), target, sizeof target - 1);
    if (n < 0) fail_errno("create " + prefix + " in the container's root", pointer);
    if (++links > kMaxSymlinks) fail_errno("resolve " + path, pointer, ELOOP);
    target[n] = '\0';
    // Rebuild the path: an absolute target starts again at the root, a relative one at the
    // link's directory; the rest of the original path follows.
    std::string rebuilt = target[0] == '/' ? std::string(target) : join(parts, i) + "/" + target;
    for (size_t k = i + 1; k < parts.size(); k++) rebuilt += "/" + parts[k];
    parts = components(rebuilt);
    i = 0;
  }
  fd = openat2_in_root(rootfd, join(parts, parts.size()));
  if (fd < 0) fail_errno("open " + path + " in the container's root", pointer);
  return fd;
}
