#include "devices.h"

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"
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

// In a user namespace (mknod is refused there): the host's node at the same path, checked to be
// the device the plan names, bind-mounted onto an empty file. Its owner and mode are the host's
// and stay so: changing them through the bind would change the host's own node (runc#3674).
void bind_node(int dir, const std::string& name, const DeviceNode& d) {
  Fd host(open(d.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (host.fd < 0 || fstat(host.fd, &st) < 0) fail_errno("open the host's device " + d.path + " to bind it", d.pointer);
  if ((st.st_mode & S_IFMT) != (d.mode & S_IFMT) || (!S_ISFIFO(st.st_mode) && st.st_rdev != makedev(d.major, d.minor)))
    throw SetupError("the host's " + d.path + " is not the device the config names", ENODEV, d.pointer);
  Fd file(openat(dir, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (file.fd < 0) fail_errno("create the mount point of device " + d.path, d.pointer);
  if (mount(fd_path(host.fd).c_str(), fd_path(file.fd).c_str(), nullptr, MS_BIND, nullptr) < 0)
    fail_errno("bind the host's device " + d.path, d.pointer);
}

void make_node(int rootfd, const DeviceNode& d) {
  Fd dir(open_in_root(rootfd, dirname_of(d.path), Create::Dir, d.pointer));
  const std::string name = basename_of(d.path);
  struct stat st;
  if (fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !replaceable(rootfd, dir.fd, name)) return;
  // A stale entry of the image (an empty file, a link) is replaced.
  if (unlinkat(dir.fd, name.c_str(), 0) < 0 && errno != ENOENT) fail_errno("replace " + d.path, d.pointer);
  if (d.bind) return bind_node(dir.fd, name, d);
  if (mknodat(dir.fd, name.c_str(), d.mode, makedev(d.major, d.minor)) < 0)
    fail_errno("create device " + d.path, d.pointer);
  // Owner and mode go to the node just made through an fd that followed no link: by name, a link
  // swapped in meanwhile would be followed by chmod, and before pivot_root an absolute one
  // resolves on the host.
  Fd node(openat(dir.fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (node.fd < 0 || fstat(node.fd, &st) < 0) fail_errno("open device " + d.path, d.pointer);
  if ((st.st_mode & S_IFMT) != (d.mode & S_IFMT) || (!S_ISFIFO(st.st_mode) && st.st_rdev != makedev(d.major, d.minor)))
    throw SetupError(d.path + " changed while it was made", EAGAIN, d.pointer);
  if (fchownat(node.fd, "", d.uid, d.gid, AT_EMPTY_PATH) < 0 || chmod(fd_path(node.fd).c_str(), d.mode & 07777) < 0)
    fail_errno("set owner and mode of device " + d.path, d.pointer);
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
