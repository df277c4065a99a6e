#include "rootfs.h"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "devices.h"
#include "error.h"
#include "fd.h"
#include "idmap.h"
#include "resolve.h"

namespace {


void do_mount(const std::string& src, const std::string& target, const char* fstype, unsigned long flags,
              const std::string& data, const std::string& what, const std::string& pointer) {
  if (mount(src.empty() ? nullptr : src.c_str(), target.c_str(), fstype, flags,
            data.empty() ? nullptr : data.c_str()) < 0)
    fail_errno(what, pointer);
}

// The mount point of the mount holding `path` (longest mountinfo prefix), for pivot_root's
// rule that new_root's parent mount must not be shared.
std::string mount_point_of(const std::string& path) {
  std::ifstream in(proc_path("self/mountinfo"));
  std::string line, best = "/";
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mp;
    fields >> id >> parent >> devno >> root >> mp;
    if (path.compare(0, mp.size(), mp) == 0 && (path.size() == mp.size() || path[mp.size()] == '/' || mp == "/") &&
        mp.size() >= best.size())
      best = mp;
  }
  return best;
}

// The mount flags a bind remount must keep (the kernel refuses to clear locked ones: in a user
// namespace every flag of a mount that came from the host is locked). `withReadonly`: ro too.
unsigned long current_flags(const char* path, bool withReadonly = false) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) fail_errno(std::string("statvfs ") + path);
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (withReadonly && (sv.f_flag & ST_RDONLY)) f |= MS_RDONLY;
  return f;
}


// A bind remount the kernel refuses with EPERM because it would clear flags locked on the mount
// (a user namespace's copy of a host mount, runc's remount rule): again, keeping them.
void remount(const std::string& target, unsigned long flags, const MountOp& m) {
  if (mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0) return;
  if (errno != EPERM || !(flags & MS_BIND)) fail_errno("remount " + m.destination, m.pointer);
  do_mount("", target, nullptr, flags | current_flags(target.c_str(), true), "", "remount " + m.destination, m.pointer);
}

// After the first mount(2) the fd we mounted onto still names the covered directory, so
// every later change (remount, propagation) needs a fresh fd of the new mount.
void finish_mount(int rootfd, const MountOp& m, unsigned long remountFlags) {
  if (remountFlags == 0 && m.propagation.empty() && m.attrSet == 0 && m.attrClear == 0) return;
  Fd fresh(open_in_root(rootfd, m.destination, Create::None, m.pointer));
  const std::string target = fd_path(fresh.fd);
  if (remountFlags) remount(target, remountFlags, m);
  // The recursive options (rro, rnosuid...): the mount and every mount under it (Linux 5.12).
  if (m.attrSet || m.attrClear) {
    struct mount_attr attr = {};
    attr.attr_set = m.attrSet;
    attr.attr_clr = m.attrClear;
    if (syscall(SYS_mount_setattr, fresh.fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
      fail_errno("set recursive mount attributes of " + m.destination, m.pointer + "/options");
  }
  for (unsigned long p : m.propagation)
    do_mount("", target, nullptr, p, "", "set propagation of " + m.destination, m.pointer);
}

const char* kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symlink";
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "a device";
}

// proc and sysfs go only onto a real directory of the rootfs, as runc requires ("must be mounted
// on ordinary directory"): a /proc that is a symlink would put procfs wherever the rootfs points
// (inside it, but maybe under a later mount), and the init's own later /proc paths (the exec
// FIFO, LSM labels) would follow the link to whatever is there (CVE-2019-19921). Checked before
// the destination is opened (nothing is created through a link), and again on the opened fd
// `dest` (>= 0): it must be the very directory the parent holds under that name.
void require_ordinary_dir(int rootfd, const MountOp& m, int dest) {
  if (m.fstype != "proc" && m.fstype != "sysfs") return;
  const size_t slash = m.destination.rfind('/');
  const std::string name = m.destination.substr(slash + 1);
  if (name.empty()) return;
  const std::string dir = slash == 0 ? "/" : m.destination.substr(0, slash);
  Fd parent(dest < 0 ? try_open_in_root(rootfd, dir) : open_in_root(rootfd, dir, Create::None, m.pointer));
  if (parent.fd < 0) return;  // missing: created as directories
  struct stat entry, opened;
  if (fstatat(parent.fd, name.c_str(), &entry, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT && dest < 0) return;
    fail_errno("stat " + m.destination, m.pointer + "/destination");
  }
  if (!S_ISDIR(entry.st_mode))
    throw SetupError("filesystem " + m.fstype + " must be mounted on an ordinary directory: " + m.destination +
                         " in the rootfs is " + kind_of(entry.st_mode), ENOTDIR, m.pointer + "/destination");
  if (dest >= 0 && (fstat(dest, &opened) < 0 || entry.st_dev != opened.st_dev || entry.st_ino != opened.st_ino))
    throw SetupError(m.destination + " in the rootfs changed while it was opened", EAGAIN, m.pointer + "/destination");
}

// What the destination resolved to, checked on the opened fd: the compiler checked the
// destination as written (only lxcfs's files may be bound under /proc), but a symlink of the image
// (`etc/x -> /proc/sys/kernel/domainname`) can lead a destination written elsewhere onto procfs, and
// a host file would then stand where the container expects the kernel's. runc refuses ("inside /proc").
void require_not_in_proc(const MountOp& m, int dest) {
  if (m.destination == "/proc" || m.destination.compare(0, 6, "/proc/") == 0) return;
  struct statfs fs;
  if (fstatfs(dest, &fs) < 0) fail_errno("statfs " + m.destination, m.pointer + "/destination");
  if (fs.f_type == PROC_SUPER_MAGIC)
    throw SetupError("mount destination " + m.destination + " resolves (through a symlink in the rootfs) to a path inside /proc; refusing to mount there",
                     EINVAL, m.pointer + "/destination");
}

// The links a mount asks for, made in what was just mounted (a fresh tmpfs: nothing of the image's).
void make_links(int rootfd, const MountOp& m) {
  if (m.links.empty()) return;
  Fd dir(open_in_root(rootfd, m.destination, Create::None, m.pointer));
  for (const Symlink& l : m.links) {
    const std::string name = l.path.substr(l.path.rfind('/') + 1);
    if (symlinkat(l.target.c_str(), dir.fd, name.c_str()) < 0 && errno != EEXIST)
      fail_errno("create link " + l.path + " -> " + l.target, m.pointer);
  }
}

// tmpcopyup: copies the tree of `from` (the destination as it was before the tmpfs covered it:
// an fd opened before the mount still reaches it) into `to`, the new tmpfs. Everything is opened
// relative to its directory with O_NOFOLLOW: a link in the image is copied as a link, never followed.
// Owners, modes and device numbers are kept; hard links become copies.
void copy_tree(int from, int to, const std::string& where, const std::string& pointer, int depth) {
  if (depth > 64) throw SetupError("tmpcopyup: " + where + " is nested more than 64 directories deep", ELOOP, pointer);
  int listed = fcntl(from, F_DUPFD_CLOEXEC, 0);
  DIR* dir = listed < 0 ? nullptr : fdopendir(listed);
  if (!dir) {
    if (listed >= 0) close(listed);
    fail_errno("tmpcopyup: read " + where, pointer);
  }
  try {
    while (struct dirent* e = readdir(dir)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = where + "/" + name;
      struct stat st;
      if (fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("tmpcopyup: stat " + path, pointer);
      const mode_t perm = st.st_mode & 07777;
      switch (st.st_mode & S_IFMT) {
        case S_IFDIR: {
          if (mkdirat(to, name.c_str(), 0700) < 0) fail_errno("tmpcopyup: mkdir " + path, pointer);
          Fd src(openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
          Fd dst(openat(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
          if (src.fd < 0 || dst.fd < 0) fail_errno("tmpcopyup: open " + path, pointer);
          copy_tree(src.fd, dst.fd, path, pointer, depth + 1);
          if (fchown(dst.fd, st.st_uid, st.st_gid) < 0 || fchmod(dst.fd, perm) < 0) fail_errno("tmpcopyup: chown/chmod " + path, pointer);
          break;
        }
        case S_IFREG: {
          Fd src(openat(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
          Fd dst(openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
          if (src.fd < 0 || dst.fd < 0) fail_errno("tmpcopyup: open " + path, pointer);
          char buf[65536];
          for (;;) {
            ssize_t n = read(src.fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail_errno("tmpcopyup: read " + path, pointer);
            if (n == 0) break;
            for (ssize_t off = 0; off < n;) {
              ssize_t w = write(dst.fd, buf + off, n - off);
              if (w < 0 && errno == EINTR) continue;
              if (w < 0) fail_errno("tmpcopyup: write " + path, pointer);
              off += w;
            }
          }
          if (fchown(dst.fd, st.st_uid, st.st_gid) < 0 || fchmod(dst.fd, perm) < 0) fail_errno("tmpcopyup: chown/chmod " + path, pointer);
          break;
        }
        case S_IFLNK: {
          char target[4096];
          ssize_t n = readlinkat(from, name.c_str(), target, sizeof target - 1);
          if (n < 0) fail_errno("tmpcopyup: readlink " + path, pointer);
          target[n] = 0;
          if (symlinkat(target, to, name.c_str()) < 0) fail_errno("tmpcopyup: symlink " + path, pointer);
          if (fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("tmpcopyup: chown " + path, pointer);
          break;
        }
        default:  // device nodes, FIFOs, sockets
          if (mknodat(to, name.c_str(), st.st_mode, st.st_rdev) < 0) fail_errno("tmpcopyup: mknod " + path, pointer);
          if (fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("tmpcopyup: chown " + path, pointer);
      }
    }
  } catch (...) {
    closedir(dir);
    throw;
  }
  closedir(dir);
}

void mount_one(int rootfd, const MountOp& m) {
  require_ordinary_dir(rootfd, m, -1);
  Fd dest(open_in_root(rootfd, m.destination, m.createAs == "file" ? Create::File : Create::Dir, m.pointer));
  require_ordinary_dir(rootfd, m, dest.fd);
  require_not_in_proc(m, dest.fd);
  const std::string target = fd_path(dest.fd);
  if (m.idmap) {
    attach_idmapped(m, dest.fd);
    finish_mount(rootfd, m, m.remountFlags);
    return;
  }
  // tmpcopyup: the directory as it is now, before the tmpfs covers it.
  Fd below(m.copyUp ? openat(dest.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1);
  if (m.copyUp && below.fd < 0) fail_errno("tmpcopyup: open " + m.destination, m.pointer);
  const char* fstype = m.fstype.empty() ? nullptr : m.fstype.c_str();
  if (mount(m.source.empty() ? nullptr : m.source.c_str(), target.c_str(), fstype, m.flags,
            m.data.empty() ? nullptr : m.data.c_str()) < 0) {
    int e = errno;
    // Whether the kernel refuses is a run-time fact (sysfs without a network namespace of its
    // own); what to mount instead the compiler decided.
    if (!(m.fallback && (e == EPERM || e == EBUSY)))
      fail_errno("mount " + (m.source.empty() ? m.fstype : m.source) + " on " + m.destination, m.pointer, e);
    do_mount(m.fallback->source, target, nullptr, m.fallback->flags, "",
             "bind " + m.fallback->source + " on " + m.destination, m.pointer);
    finish_mount(rootfd, m, m.fallback->remountFlags);
    return;
  }
  if (m.copyUp) {
    Fd above(open_in_root(rootfd, m.destination, Create::None, m.pointer));
    Fd top(openat(above.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (top.fd < 0) fail_errno("tmpcopyup: open the new tmpfs at " + m.destination, m.pointer);
    copy_tree(below.fd, top.fd, m.destination, m.pointer, 0);
  }
  finish_mount(rootfd, m, m.remountFlags);
  make_links(rootfd, m);
}

// maskedPaths: directories get an empty read-only tmpfs, anything else the container's own
// /dev/null, checked to really be the null device (a rootfs may plant a symlink or a regular
// file there: CVE-2025-31133).
void mask_paths(int rootfd, const Plan& plan) {
  if (plan.maskedPaths.empty()) return;
  Fd null(open_in_root(rootfd, "/dev/null", Create::None, "/linux/maskedPaths"));
  struct stat st;
  if (fstat(null.fd, &st) < 0) fail_errno("stat /dev/null", "/linux/maskedPaths");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    throw SetupError("/dev/null in the container is not the null device; refusing to mask with it", 0,
                     "/linux/maskedPaths");
  for (size_t i = 0; i < plan.maskedPaths.size(); i++) {
    const std::string& path = plan.maskedPaths[i];
    const std::string ptr = "/linux/maskedPaths/" + std::to_string(i);
    Fd target(try_open_in_root(rootfd, path));
    if (target.fd < 0) {
      if (errno == ENOENT) continue;  // nothing to hide
      fail_errno("open " + path, ptr);
    }
    if (fstat(target.fd, &st) < 0) fail_errno("stat " + path, ptr);
    if (S_ISDIR(st.st_mode))
      do_mount("tmpfs", fd_path(target.fd), "tmpfs", MS_RDONLY, "size=0k,mode=755", "mask " + path, ptr);
    else
      do_mount(fd_path(null.fd), fd_path(target.fd), nullptr, MS_BIND, "", "mask " + path, ptr);
  }
}

void readonly_paths(int rootfd, const Plan& plan) {
  for (size_t i = 0; i < plan.readonlyPaths.size(); i++) {
    const std::string& path = plan.readonlyPaths[i];
    const std::string ptr = "/linux/readonlyPaths/" + std::to_string(i);
    Fd target(try_open_in_root(rootfd, path));
    if (target.fd < 0) {
      if (errno == ENOENT) continue;
      fail_errno("open " + path, ptr);
    }
    do_mount(fd_path(target.fd), fd_path(target.fd), nullptr, MS_BIND | MS_REC, "", "bind " + path, ptr);
    Fd fresh(open_in_root(rootfd, path, Create::None, ptr));
    do_mount("", fd_path(fresh.fd), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC | current_flags(fd_path(fresh.fd).c_str()), "",
             "remount " + path + " read-only", ptr);
  }
}

// A mountinfo path field: space, tab, newline and backslash come as octal escapes (\040).
std::string unescape_mountinfo(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); i++) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// --no-pivot leaves the host's mounts in the container's mount namespace, under the chroot. The
// kernel lets a user namespace mount a new procfs or sysfs only if the mount namespace already
// shows one in full (mount_too_revealing): a host /proc still there, though out of the chroot's
// reach, would let the container mount a bare, unmasked /proc of its own (runc's no_pivot test).
// As runc's msMoveRoot: every full procfs and sysfs outside the rootfs goes (detached, or covered
// with an empty tmpfs where the kernel refuses), each made a slave first so that nothing reaches
// the host's mounts however rootfsPropagation shares them. Deepest first: a parent's detach takes
// its submounts along.
void hide_host_proc_and_sys(const std::string& rootfs) {
  std::vector<std::string> targets;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mp, field, fstype;
    fields >> id >> parent >> devno >> root >> mp;
    while (fields >> field && field != "-") {}
    fields >> fstype;
    if (root != "/" || (fstype != "proc" && fstype != "sysfs")) continue;
    mp = unescape_mountinfo(mp);
    if (mp == rootfs || mp.compare(0, rootfs.size() + 1, rootfs + "/") == 0) continue;
    targets.push_back(mp);
  }
  std::sort(targets.begin(), targets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& mp : targets) {
    if (mount(nullptr, mp.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
      if (errno == ENOENT || errno == EINVAL) continue;  // gone with a parent detached before it
      fail_errno("make " + mp + " a slave before hiding it (--no-pivot)", "/root/path");
    }
    if (umount2(mp.c_str(), MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) fail_errno("detach " + mp + " (--no-pivot)", "/root/path");
    do_mount("tmpfs", mp, "tmpfs", 0, "", "cover " + mp + " (--no-pivot)", "/root/path");
  }
}

// A rootless tsrunc bundle's rootfs (src/bundle/runtime-overlay.ts): the overlay of its layers
// with the bundle's upper and work directories, mounted here because an unprivileged user may mount
// overlayfs only in a mount namespace its own user namespace owns. userxattr: the layer store of an
// unprivileged user marks opaque directories with user.overlay.opaque (trusted.* is root's).
void mount_rootfs_overlay(const Plan& plan) {
  const RootfsOverlay& o = *plan.rootfsOverlay;
  std::string lower;
  for (const std::string& dir : o.lowerDirs) lower += (lower.empty() ? "" : ":") + dir;
  const std::string options = "userxattr,lowerdir=" + lower + ",upperdir=" + o.upperDir + ",workdir=" + o.workDir;
  do_mount("overlay", plan.rootfs, "overlay", 0, options, "mount the bundle's overlay rootfs", "/root/path");
}

}  // namespace

void build_rootfs(const Plan& plan) {
  // Every /proc path below goes through a procfs of our own (resolve.h), never the namespace's /proc.
  FdPathScope procfs;
  if (plan.hostMountNamespace) {
    // The runtime's own mount namespace (no "mount" in linux.namespaces): the host's propagation is
    // left as it is (runc makes the host's "/" a recursive slave). Only the bind below is seen by
    // the host's peers; it is made private before anything is mounted under it, so none of the
    // container's mounts reach them, and `delete` detaches it with all of them (src/state/host-mounts.ts).
    do_mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, "", "bind the rootfs onto itself", "/root/path");
    do_mount("", plan.rootfs, nullptr, MS_PRIVATE | MS_REC, "", "make the rootfs bind private", "/root/path");
  } else {
    do_mount("", "/", nullptr, plan.rootPropagation, "", "set propagation of / in the new mount namespace",
             "/linux/rootfsPropagation");
    if (plan.rootfsOverlay) mount_rootfs_overlay(plan);
    do_mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, "", "bind the rootfs onto itself", "/root/path");
    // pivot_root refuses a new root whose parent mount is shared (runc#1148).
    const std::string parent = mount_point_of(plan.rootfs.substr(0, plan.rootfs.rfind('/')));
    do_mount("", parent, nullptr, MS_PRIVATE, "", "make " + parent + " private", "/root/path");
  }

  Fd root(open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.fd < 0) fail_errno("open rootfs " + plan.rootfs, "/root/path");
  for (const MountOp& m : plan.mounts) mount_one(root.fd, m);
  if (plan.setupDev) setup_devices(root.fd, plan);
  mask_paths(root.fd, plan);
  readonly_paths(root.fd, plan);
  // The working directory is created if missing, as runc does, while the root is writable.
  close(open_in_root(root.fd, plan.process.cwd, Create::Dir, "/process/cwd"));
}

void enter_rootfs(const Plan& plan) {
  if (plan.hostMountNamespace) {
    // pivot_root would swap the host's root and --no-pivot's MS_MOVE would cover it: the host's
    // mount namespace is shared, so the init only chroots into the rootfs bind (as runc does).
    if (chdir(plan.rootfs.c_str()) < 0) fail_errno("chdir to rootfs", "/root/path");
    if (chroot(".") < 0) fail_errno("chroot", "/root/path");
  } else if (plan.noPivot) {
    hide_host_proc_and_sys(plan.rootfs);
    if (chdir(plan.rootfs.c_str()) < 0) fail_errno("chdir to rootfs", "/root/path");
    do_mount(plan.rootfs, "/", nullptr, MS_MOVE, "", "move the rootfs to /", "/root/path");
    if (chroot(".") < 0) fail_errno("chroot", "/root/path");
  } else {
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it afterwards
    // leaves only the container's tree, with no directory to hold the old root in.
    Fd oldroot(open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    Fd newroot(open(plan.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (oldroot.fd < 0 || newroot.fd < 0) fail_errno("open roots for pivot_root", "/root/path");
    if (fchdir(newroot.fd) < 0) fail_errno("chdir to rootfs", "/root/path");
    if (syscall(SYS_pivot_root, ".", ".") < 0) fail_errno("pivot_root", "/root/path");
    if (fchdir(oldroot.fd) < 0) fail_errno("chdir to old root", "/root/path");
    do_mount("", ".", nullptr, MS_SLAVE | MS_REC, "", "make the old root a slave", "/root/path");
    if (umount2(".", MNT_DETACH) < 0) fail_errno("detach the old root", "/root/path");
  }
  if (chdir("/") < 0) fail_errno("chdir /");
  // A read-only tmpfs (or /dev) was mounted writable so that its submounts, devices and mount
  // points could be made (compiled in src/plan/mounts.ts): read-only now, as runc's finalizeRootfs.
  // After pivot_root the container's root is "/", so its paths resolve inside it.
  for (const MountOp& m : plan.mounts)
    if (m.lateRemountFlags)
      do_mount("", m.destination, nullptr, m.lateRemountFlags, "", "remount " + m.destination + " read-only", m.pointer);
  if (plan.rootReadonly)
    do_mount("", "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | current_flags("/"), "",
             "remount the root read-only", "/root/readonly");
  if (plan.rootfsPropagation)
    do_mount("", "/", nullptr, plan.rootfsPropagation, "", "set rootfs propagation", "/linux/rootfsPropagation");
}
