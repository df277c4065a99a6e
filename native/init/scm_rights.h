// One fd plus a payload in one unix-socket message (SCM_RIGHTS). Used by tsrunc-init to send the
// pty master to --console-socket (console.cc) and the seccomp notify fd to the agent
// (seccomp_agent.cc), and by the addon to receive a master (addon/fdpass.cc). Header-only: the
// addon and the init are separate binaries.
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

class OneFdMessage {
 public:
  OneFdMessage(void* data, size_t len) {
    iov_ = {data, len};
    msg_.msg_iov = &iov_;
    msg_.msg_iovlen = 1;
    msg_.msg_control = control_;
    msg_.msg_controllen = sizeof control_;
  }
  OneFdMessage(const OneFdMessage&) = delete;
  OneFdMessage& operator=(const OneFdMessage&) = delete;

  // sendmsg with `fd` attached; returns what sendmsg returns (errno set on -1).
  ssize_t send(int sock, int fd) {
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg_);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do n = sendmsg(sock, &msg_, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    return n;
  }

  // recvmsg with `flags`; returns what recvmsg returns (errno set on -1).
  ssize_t receive(int sock, int flags) {
    ssize_t n;
    do n = recvmsg(sock, &msg_, flags); while (n < 0 && errno == EINTR);
    return n;
  }

  // The fd a received message carried, or -1.
  int fd() {
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg_);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
  }

 private:
  struct iovec iov_ = {};
  char control_[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg_ = {};
};
