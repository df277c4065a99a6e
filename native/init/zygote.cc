// The fork server: see zygote.h.
#include "zygote.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "contract.gen.h"

namespace {

// tsrunc never sends more (launch.ts falls back to a spawn of its own above it): contract.json.
constexpr int kMaxFds = contract::kForkServerMaxFds;
constexpr size_t kMaxPayload = contract::kForkServerMaxPayload;

void reply(int fd, int32_t pid, int pidfd) {
  iovec iov{&pid, sizeof pid};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pidfd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
  }
  while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) _exit(0);  // tsrunc is gone
  }
}

// In the new helper: fds i = received[i] and nothing else open, exactly the sent environment.
void become_helper(const std::vector<int>& received, const char* payload, size_t size) {
  const int n = static_cast<int>(received.size());
  // Copied above every slot first, so that a dup2 onto slot i never clobbers a later source.
  std::vector<int> high;
  for (int fd : received) {
    int h = fcntl(fd, F_DUPFD_CLOEXEC, n);
    if (h < 0) _exit(127);
    high.push_back(h);
  }
  for (int i = 0; i < n; i++) {
    if (dup2(high[i], i) < 0) _exit(127);
  }
  syscall(SYS_close_range, static_cast<unsigned>(n), ~0U, 0);  // the server socket and every copy
  // What a spawned helper would inherit from tsrunc now rather than when the zygote started: the
  // working directory and the umask (hooks run with it). CLONE_PARENT: getppid() is tsrunc.
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cwd", static_cast<int>(getppid()));
  if (chdir(path) < 0) _exit(127);
  snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(getppid()));
  if (FILE* status = fopen(path, "re")) {
    char line[256];
    unsigned mask;
    while (fgets(line, sizeof line, status)) {
      if (sscanf(line, "Umask: %o", &mask) == 1) {
        umask(static_cast<mode_t>(mask));
        break;
      }
    }
    fclose(status);
  }
  clearenv();
  for (size_t off = 0; off < size;) {
    const char* s = payload + off;
    size_t len = strnlen(s, size - off);
    if (len > 0) putenv(strndup(s, len));
    off += len + 1;
  }
}

}  // namespace

void zygote_serve(int fd) {
  prctl(PR_SET_NAME, "tsrunc:zygote", 0, 0, 0);
  static char payload[kMaxPayload];
  for (;;) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    iovec iov{payload, sizeof payload};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t size = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (size < 0 && errno == EINTR) continue;
    if (size <= 0) _exit(0);  // tsrunc exited (or the socket broke): nothing more to serve
    std::vector<int> received;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const int* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
      received.insert(received.end(), fds, fds + count);
    }
    int32_t result = -EINVAL;
    int pidfd = -1;
    if (!(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && !received.empty()) {
      clone_args args{};
      args.flags = CLONE_PARENT | CLONE_PIDFD;
      args.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
      args.exit_signal = 0;  // with CLONE_PARENT, the zygote's own (SIGCHLD) goes to tsrunc
      long pid = syscall(SYS_clone3, &args, sizeof args);
      if (pid == 0) {
        become_helper(received, payload, static_cast<size_t>(size));
        return;
      }
      result = pid < 0 ? -errno : static_cast<int32_t>(pid);
    }
    for (int r : received) close(r);
    reply(fd, result, result > 0 ? pidfd : -1);
    if (pidfd >= 0) close(pidfd);
  }
}
