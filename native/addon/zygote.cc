// tsrunc's side of tsrunc-init's fork server (native/init/zygote.h has the protocol).
//
//   seqpacketPair() -> [a, b]                 a close-on-exec AF_UNIX SOCK_SEQPACKET pair
//   zygoteRequest(fd, slots, env)             one helper with fd i = slots[i] (-1: /dev/null) and
//                                             exactly env; fds 0-2 cleared of O_NONBLOCK (as
//                                             spawnHelper). The fds travel with the message: the
//                                             caller may close its own as soon as this returns.
//   zygoteReply(fd) -> null | { pid, pidfd } | { errno, message } | { eof: true }
//                                             one reply without blocking; null when none is queued
#include <napi.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "errors.h"
#include "nonblock.h"

Napi::Value ZygoteRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  Napi::Array slots = info[1].As<Napi::Array>();
  Napi::Array envArr = info[2].As<Napi::Array>();
  std::string payload;
  for (uint32_t i = 0; i < envArr.Length(); i++) {
    payload += envArr.Get(i).As<Napi::String>().Utf8Value();
    payload.push_back('\0');
  }
  // One /dev/null for every 'ignore' slot of every request (the kernel passes the same open file
  // as often as it is named): opened once per process, close-on-exec.
  static int devnull = -1;
  std::vector<int> fds;
  for (uint32_t i = 0; i < slots.Length(); i++) {
    int fd = slots.Get(i).As<Napi::Number>().Int32Value();
    if (fd < 0) {
      if (devnull < 0) devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (devnull < 0) ThrowErrno(env, errno, "open", "/dev/null");
      fd = devnull;
    }
    // As spawnHelper: fds 0-2 start blocking (O_NONBLOCK is the shared open file description's).
    if (i <= 2) ClearNonBlock(fd);
    fds.push_back(fd);
  }
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ssize_t rc;
  do rc = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

Napi::Value ZygoteReply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  int32_t pid = 0;
  iovec iov{&pid, sizeof pid};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  if (n <= 0) {  // end-of-file, or the socket failed: the zygote is gone either way
    out.Set("eof", Napi::Boolean::New(env, true));
    return out;
  }
  int pidfd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
    for (size_t i = 0; i < count; i++) {
      if (pidfd < 0) pidfd = fds[i];
      else close(fds[i]);
    }
  }
  if (n != sizeof pid || pid <= 0 || pidfd < 0) {
    if (pidfd >= 0) close(pidfd);
    int e = n == sizeof pid && pid < 0 ? -pid : EPROTO;
    const char* name = strerrorname_np(e);
    out.Set("errno", Napi::String::New(env, name ? name : "EUNKNOWN"));
    out.Set("message", Napi::String::New(env, strerror(e)));
    return out;
  }
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("pidfd", Napi::Number::New(env, pidfd));
  return out;
}
