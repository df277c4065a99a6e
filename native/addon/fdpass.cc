// File descriptors over unix sockets and terminal ioctls: what `--console-socket`, the
// foreground terminal proxy and the tests' console receiver need and Node lacks.
//   connectUnix(path)          -> fd   a connected SOCK_STREAM socket (close-on-exec)
//   socketpair()               -> [a, b]
//   sendFd(sock, fd, name)          sends `fd` with the payload `name` (SCM_RIGHTS, blocking):
//                                 --pidfd-socket, the protocol of --console-socket
//   recvFd(fd)                 -> {fd, name} | null  one SCM_RIGHTS message, without blocking
//                                 (null: nothing there yet); the fd is close-on-exec
//   openpty()                  -> {master, slave, name}  (for tests: a terminal to run tsrunc on)
//   setWindowSize(fd, rows, cols)
//   makeRaw(fd)                -> Buffer  puts a terminal in raw mode as runc does (cfmakeraw: no
//                                 output processing either, unlike Node's setRawMode); returns the
//                                 old settings for restoreTerminal(fd, saved)
#include <napi.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "errors.h"
#include "../init/scm_rights.h"

namespace {

int FdArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

}  // namespace

// Exported by addon.cc's Init.

Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) ThrowErrno(env, ENAMETOOLONG, "connect", path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");
  int rc;
  do rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr); while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int e = errno;
    close(fd);
    ThrowErrno(env, e, "connect", path);
  }
  return Napi::Number::New(env, fd);
}

static Napi::Value UnixPair(Napi::Env env, int type) {
  int sv[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) ThrowErrno(env, errno, "socketpair");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  return UnixPair(info.Env(), SOCK_STREAM);
}

// Message boundaries kept: the fork server's requests (zygote.cc) are one message each.
Napi::Value SeqpacketPair(const Napi::CallbackInfo& info) {
  return UnixPair(info.Env(), SOCK_SEQPACKET);
}

Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = FdArg(info, 0);
  int fd = FdArg(info, 1);
  std::string name = info[2].As<Napi::String>().Utf8Value();
  OneFdMessage msg(name.data(), name.size());
  if (msg.send(sock, fd) < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = FdArg(info, 0);
  char name[4096];
  OneFdMessage msg(name, sizeof name - 1);
  ssize_t n = msg.receive(sock, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return env.Null();
  if (n < 0) ThrowErrno(env, errno, "recvmsg");
  int fd = msg.fd();
  if (n == 0 || fd < 0) ThrowErrno(env, EBADMSG, "recvmsg");
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("name", Napi::String::New(env, std::string(name, n)));
  return out;
}

Napi::Value OpenPty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) ThrowErrno(env, errno, "posix_openpt");
  char name[64];
  if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0) {
    int e = errno;
    close(master);
    ThrowErrno(env, e, "unlockpt");
  }
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    int e = errno;
    close(master);
    ThrowErrno(env, e, "open", name);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("master", Napi::Number::New(env, master));
  out.Set("slave", Napi::Number::New(env, slave));
  out.Set("name", Napi::String::New(env, name));
  return out;
}

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(FdArg(info, 1));
  ws.ws_col = static_cast<unsigned short>(FdArg(info, 2));
  if (ioctl(FdArg(info, 0), TIOCSWINSZ, &ws) < 0) ThrowErrno(env, errno, "ioctl(TIOCSWINSZ)");
  return env.Undefined();
}

Napi::Value MakeRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  struct termios saved;
  if (tcgetattr(fd, &saved) < 0) ThrowErrno(env, errno, "tcgetattr");
  struct termios raw = saved;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0) ThrowErrno(env, errno, "tcsetattr");
  return Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(&saved), sizeof saved);
}

Napi::Value RestoreTerminal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<char> saved = info[1].As<Napi::Buffer<char>>();
  if (saved.Length() != sizeof(struct termios)) ThrowErrno(env, EINVAL, "tcsetattr");
  if (tcsetattr(FdArg(info, 0), TCSANOW, reinterpret_cast<const struct termios*>(saved.Data())) < 0)
    ThrowErrno(env, errno, "tcsetattr");
  return env.Undefined();
}
