#include "idmap.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <map>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"

namespace {

// The trees made by prepare_idmapped_mounts, by mount; the init inherits the fds with the table.
std::map<const MountOp*, int> trees;

std::string map_text(const std::vector<IdMapping>& maps) {
  std::string text;
  for (const IdMapping& m : maps)
    text += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " + std::to_string(m.size) + "\n";
  return text;
}

void write_file(const std::string& path, const std::string& text, const std::string& pointer) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.fd < 0 || write(fd.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    fail_errno("write " + path + " for an id-mapped mount", pointer);
}

// A user namespace holding `idmap`'s maps: that of a child made only for it (it sleeps in
// pause() until killed, once its namespace is held by the fd).
int userns_with(const IdmapPlan& idmap, const std::string& pointer) {
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) fail_errno("create a user namespace for an id-mapped mount", pointer);
  if (pid == 0) {
    for (;;) pause();
  }
  const std::string proc = "/proc/" + std::to_string(pid) + "/";
  int fd = -1;
  try {
    write_file(proc + "uid_map", map_text(idmap.uidMappings), pointer + "/uidMappings");
    write_file(proc + "gid_map", map_text(idmap.gidMappings), pointer + "/gidMappings");
    fd = open((proc + "ns/user").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno("open the user namespace of an id-mapped mount", pointer);
  } catch (...) {
    kill(static_cast<pid_t>(pid), SIGKILL);
    waitpid(static_cast<pid_t>(pid), nullptr, 0);
    throw;
  }
  kill(static_cast<pid_t>(pid), SIGKILL);
  waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return fd;
}

}  // namespace

void prepare_idmapped_mounts(const Plan& plan) {
  for (const MountOp& m : plan.mounts) {
    if (!m.idmap) continue;
    Fd userns(userns_with(*m.idmap, m.pointer));
    const unsigned int recursive = (m.flags & MS_REC) ? AT_RECURSIVE : 0;
    int tree = static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive));
    if (tree < 0) fail_errno("clone " + m.source + " for an id-mapped mount", m.pointer + "/source");
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns.fd);
    const unsigned int flags = AT_EMPTY_PATH | (m.idmap->recursive ? AT_RECURSIVE : 0);
    if (syscall(SYS_mount_setattr, tree, "", flags, &attr, sizeof attr) < 0) {
      int e = errno;
      close(tree);
      fail_errno("id-map the mount of " + m.source + (e == EINVAL ? " (does its filesystem support id-mapped mounts?)" : ""),
                 m.pointer, e);
    }
    trees[&m] = tree;
  }
}

void attach_idmapped(const MountOp& m, int dest) {
  auto it = trees.find(&m);
  if (it == trees.end()) throw SetupError("id-mapped mount of " + m.destination + " was not prepared", EINVAL, m.pointer);
  // Onto the opened destination itself: move_mount does not follow a /proc/self/fd link.
  if (syscall(SYS_move_mount, it->second, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail_errno("mount the id-mapped " + m.source + " on " + m.destination, m.pointer);
  close(it->second);
  trees.erase(it);
}
