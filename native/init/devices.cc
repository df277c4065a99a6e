#include "devices.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <cstdint>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "resolve.h"

namespace {

std::string dirname_of(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

// The id of the mount `name` (relative to `dirfd`, not followed; "" = dirfd itself) is on.
uint64_t mount_id(int dirfd, const char* name) {
  struct statx stx = {};
  if (statx(dirfd, name, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return 0;
  return stx.stx_mnt_id;
}

// Whether an existing entry `name` in `dir` is the image's own, which tsrunc may replace: it and its
// directory are on the rootfs's mount. Anything else (an entry in a directory the config
// bind-mounted from the host, a file bind-mounted there) is someone's data or mount: kept as it
// is, as runc keeps every existing entry.
bool replaceable(int rootfd, int dir, const std::string& name) {
  const uint64_t root = mount_id(rootfd, "");
  return root != 0 && mount_id(dir, "") == root && mount_id(dir, name.c_str()) == root;
}

void make_node(int rootfd, const DeviceNode& d) {
  int dir = open_in_root(rootfd, dirname_of(d.path), Create::Dir, d.pointer);
  const std::string name = basename_of(d.path);
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !replaceable(rootfd, dir, name)) {
    close(dir);
    return;
  }
  // A stale entry of the image (an empty file, a link) is replaced.
  if (unlinkat(dir, name.c_str(), 0) < 0 && errno != ENOENT) {
    int e = errno;
    close(dir);
    fail_errno("replace " + d.path, d.pointer, e);
  }
  if (mknodat(dir, name.c_str(), d.mode, makedev(d.major, d.minor)) < 0 ||
      fchownat(dir, name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0 ||
      fchmodat(dir, name.c_str(), d.mode & 07777, 0) < 0) {
    int e = errno;
    close(dir);
    fail_errno("create device " + d.path, d.pointer, e);
  }
  close(dir);
}

void make_link(int rootfd, const Symlink& l) {
  int dir = open_in_root(rootfd, dirname_of(l.path), Create::Dir, "");
  if (symlinkat(l.target.c_str(), dir, basename_of(l.path).c_str()) < 0 && errno != EEXIST) {
    int e = errno;
    close(dir);
    fail_errno("create link " + l.path + " -> " + l.target, "", e);
  }
  close(dir);
}

}  // namespace

void setup_devices(int rootfd, const Plan& plan) {
  for (const DeviceNode& d : plan.devices) make_node(rootfd, d);
  for (const Symlink& l : plan.symlinks) make_link(rootfd, l);
}
