#include "devices.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
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

void make_node(int rootfd, const DeviceNode& d) {
  int dir = open_in_root(rootfd, dirname_of(d.path), Create::Dir, d.pointer);
  const std::string name = basename_of(d.path);
  // A stale entry (an empty file from the image, say) is replaced; a mount point is not.
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
