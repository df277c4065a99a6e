// Safe path resolution inside the container's root filesystem.
//
// Every mount destination, device node and masked path is opened relative to an fd of the
// rootfs with openat2(RESOLVE_IN_ROOT): symlinks (absolute or "../../..") resolve as if the
// rootfs were "/", so nothing a rootfs contains can make tsrunc touch a host path
// (CVE-2021-30465 class). The result is an O_PATH fd; callers mount onto /proc/self/fd/N.
#pragma once
#include <string>

enum class Create { None, Dir, File };

// Opens `path` (absolute, inside the container) below `rootfd`. Missing components are
// created as directories; the last one as `create` says. Dangling symlinks on the way are
// followed inside the root, as runc's securejoin does. Returns an O_PATH|O_CLOEXEC fd.
// Throws SetupError (with `pointer`) on failure; with Create::None a missing path gives
// ENOENT in the error.
int open_in_root(int rootfd, const std::string& path, Create create, const std::string& pointer);

// Like open_in_root(..., Create::None) but returns -1 with errno set instead of throwing.
int try_open_in_root(int rootfd, const std::string& path);

// "/proc/self/fd/N": a path naming exactly the object behind fd N, for mount(2).
std::string fd_path(int fd);
// "/proc/<rel>" ("self/mountinfo"), through the same procfs as fd_path().
std::string proc_path(const std::string& rel);

// While one is alive, fd_path() and proc_path() are relative ("self/fd/N") and the working directory
// is a procfs root of our own (procfs.h): the /proc of the mount namespace the rootfs is built in
// (a joined one may have it overmounted, or be a tmpfs with a fake self/fd) redirects none of the
// mounts made through them (the CVE-2025-52881 class). The working directory is restored after.
class FdPathScope {
 public:
  FdPathScope();
  ~FdPathScope();
  FdPathScope(const FdPathScope&) = delete;
  FdPathScope& operator=(const FdPathScope&) = delete;

 private:
  int saved_;
  int proc_;
};
