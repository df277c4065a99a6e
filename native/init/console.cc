#include "console.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"
#include "resolve.h"
#include "scm_rights.h"

namespace {

const char* const POINTER = "/process/terminal";

// A directory fd for openat() from an O_PATH one (O_PATH fds cannot create entries).
int reopen(int pathFd, int flags, const std::string& what) {
  int fd = open(fd_path(pathFd).c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail_errno("open " + what, POINTER);
  return fd;
}

}  // namespace

Pty open_container_pty(int rootfd, const ProcessPlan& p) {
  Fd ptmxPath(open_in_root(rootfd, "/dev/pts/ptmx", Create::None, POINTER));
  Pty pty;
  pty.master = reopen(ptmxPath.fd, O_RDWR | O_NOCTTY, "/dev/pts/ptmx");
  struct stat st;
  struct statfs fs;
  if (fstat(pty.master, &st) < 0 || fstatfs(pty.master, &fs) < 0) fail_errno("stat /dev/pts/ptmx", POINTER);
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2 || fs.f_type != DEVPTS_SUPER_MAGIC)
    throw SetupError("/dev/pts/ptmx in the container is not a devpts ptmx (is devpts mounted on /dev/pts?)", 0, POINTER);
  int unlock = 0;
  if (ioctl(pty.master, TIOCSPTLCK, &unlock) < 0) fail_errno("unlock the pty", POINTER);
  if (p.consoleSize) {
    struct winsize ws = {p.consoleSize->rows, p.consoleSize->cols, 0, 0};
    if (ioctl(pty.master, TIOCSWINSZ, &ws) < 0) fail_errno("set the console size", "/process/consoleSize");
  }
  pty.slave = ioctl(pty.master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.slave < 0) fail_errno("open the pty slave", POINTER);
  // The terminal is the process's: its user owns the slave, as under runc, so that it can reopen
  // it (tty, /dev/stdin). The group and mode stay devpts's (the mount's gid=5,mode=620: the tty
  // group may write to it).
  if (fchown(pty.slave, p.uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM)
    fail_errno("give the pty to the process's user", "/process/user/uid");
  return pty;
}

void send_console_master(int socketFd, const Pty& pty) {
  // The payload is the master's name, as runc sends it (clients use it to name the fd).
  char name[] = "/dev/ptmx";
  if (OneFdMessage(name, sizeof name - 1).send(socketFd, pty.master) < 0)
    fail_errno("send the pty master to the console socket", POINTER);
}

void mount_console(int rootfd, const Pty& pty) {
  Fd devPath(open_in_root(rootfd, "/dev", Create::Dir, POINTER));
  Fd dev(reopen(devPath.fd, O_RDONLY | O_DIRECTORY, "/dev"));
  struct stat st;
  // Whatever the rootfs has there (a symlink to a host path, a device, a fifo) goes: only a
  // regular file made here, opened without following anything, is mounted over.
  if (fstatat(dev.fd, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
      unlinkat(dev.fd, "console", S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
    fail_errno("remove /dev/console", POINTER);
  Fd console(openat(dev.fd, "console", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (console.fd < 0) fail_errno("create /dev/console", POINTER);
  if (fstat(console.fd, &st) < 0 || !S_ISREG(st.st_mode))
    throw SetupError("/dev/console in the container is not a regular file", 0, POINTER);
  if (mount(fd_path(pty.slave).c_str(), fd_path(console.fd).c_str(), nullptr, MS_BIND, nullptr) < 0)
    fail_errno("bind the pty onto /dev/console", POINTER);
}

void become_terminal_owner(int slave) {
  if (setsid() < 0) fail_errno("setsid", POINTER);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) fail_errno("make the pty the controlling terminal", POINTER);
  for (int fd = 0; fd <= 2; fd++)
    if (dup2(slave, fd) < 0) fail_errno("dup the pty onto stdio", POINTER);
  if (slave > 2) close(slave);
}

void require_console_socket(int socketFd) {
  if (socketFd < 0) throw SetupError("cannot allocate tty without a console socket (/process/terminal is true)", EINVAL, POINTER);
}

void setup_init_terminal(const Plan& plan, int socketFd) {
  require_console_socket(socketFd);
  Fd root(open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.fd < 0) fail_errno("open rootfs " + plan.rootfs, "/root/path");
  Pty pty = open_container_pty(root.fd, plan.process);
  if (plan.setupDev) mount_console(root.fd, pty);
  send_console_master(socketFd, pty);
  close(pty.master);
  close(socketFd);
  become_terminal_owner(pty.slave);
}
