// The Node-API addon: only the syscalls Node itself does not offer. It never parses user input
// (the TypeScript layer validates everything first) and never forks: container processes are
// created by tsrunc-init, a separate single-threaded program (see native/init/), which spawn.cc
// starts with posix_spawn (a vfork: nothing runs in the child but the exec).
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pwd.h>
#include <string>
#include <vector>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "nonblock.h"

namespace {

// setErrorClass(TsruncError): called once at load, see errors.h.
Napi::Value SetErrorClassFn(const Napi::CallbackInfo& info) {
  SetErrorClass(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// sealedExecutable(path, lowestFd): copies an executable into a memfd and seals it against any
// change. Returns the fd (close-on-exec), numbered lowestFd or above: the spawn that executes it
// dup2()s the child's fds onto 0 .. lowestFd-1 before exec, and would overwrite a lower one.
// Executing /proc/self/fd/N of this fd gives a process whose /proc/<pid>/exe is the sealed copy: a
// container that opens it for writing gets EPERM, and the file on disk is never exposed
// (CVE-2019-5736).
Napi::Value SealedExecutable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int lowestFd = info[1].As<Napi::Number>().Int32Value();
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) ThrowErrno(env, errno, "open", path);
  struct stat st;
  if (fstat(src, &st) < 0) {
    int e = errno; close(src); ThrowErrno(env, e, "fstat", path);
  }
  int mfd = memfd_create("tsrunc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) {
    int e = errno; close(src); ThrowErrno(env, e, "memfd_create");
  }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, src, &off, st.st_size - off);
    if (n <= 0) {
      int e = n < 0 ? errno : EIO; close(src); close(mfd); ThrowErrno(env, e, "sendfile", path);
    }
  }
  close(src);
  if (fchmod(mfd, 0500) < 0 ||
      fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    int e = errno; close(mfd); ThrowErrno(env, e, "F_ADD_SEALS");
  }
  if (mfd < lowestFd) {
    int high = fcntl(mfd, F_DUPFD_CLOEXEC, lowestFd);
    int e = errno;
    close(mfd);
    if (high < 0) ThrowErrno(env, e, "F_DUPFD_CLOEXEC");
    mfd = high;
  }
  return Napi::Number::New(env, mfd);
}

// flock(fd, exclusive, wait): serialises commands on one container (runc does the same).
// Returns false when wait is false and another process holds the lock.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool exclusive = info[1].As<Napi::Boolean>();
  bool wait = info[2].As<Napi::Boolean>();
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  int rc;
  do rc = flock(fd, op); while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EWOULDBLOCK && !wait) return Napi::Boolean::New(env, false);
    ThrowErrno(env, errno, "flock");
  }
  return Napi::Boolean::New(env, true);
}

// mkfifo(path, mode): the exec FIFO that holds a created container until `start`.
Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int mode = info[1].As<Napi::Number>().Int32Value();
  if (mkfifo(path.c_str(), mode) < 0) ThrowErrno(env, errno, "mkfifo", path);
  return env.Undefined();
}

// setBlocking(fd): clears O_NONBLOCK. `start` opens exec.fifo non-blocking (the open must never
// hang), then reads it blocking on libuv's thread pool: the read returns the moment the init
// writes or closes its end, with no polling timer.
Napi::Value SetBlocking(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (!ClearNonBlock(fd)) ThrowErrno(env, errno, "fcntl");
  return env.Undefined();
}

// userName(uid): the user's name from the password database (getpwuid_r, as libuv's
// uv_os_get_passwd behind os.userInfo() does); null when it has no entry or the lookup fails.
// Here so that create need not load node:os for state.json's owner.
Napi::Value UserName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uid_t uid = info[0].As<Napi::Number>().Uint32Value();
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 4096);
  for (;;) {
    struct passwd pw;
    struct passwd* found = nullptr;
    int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return env.Null();
    return Napi::String::New(env, found->pw_name);
  }
}

}  // namespace

Napi::Value AttachDeviceFilter(const Napi::CallbackInfo& info);  // device_filter.cc
Napi::Value Eventfd(const Napi::CallbackInfo& info);  // eventfd.cc
void InitCore(Napi::Env env, Napi::Object exports);  // core.cc: the native core's decisions
// fdpass.cc
Napi::Value ConnectUnix(const Napi::CallbackInfo& info);
Napi::Value SocketPair(const Napi::CallbackInfo& info);
Napi::Value RecvFd(const Napi::CallbackInfo& info);
Napi::Value SendFd(const Napi::CallbackInfo& info);
Napi::Value OpenPty(const Napi::CallbackInfo& info);
Napi::Value SetWindowSize(const Napi::CallbackInfo& info);
Napi::Value MakeRaw(const Napi::CallbackInfo& info);
Napi::Value RestoreTerminal(const Napi::CallbackInfo& info);
// spawn.cc
Napi::Value SpawnHelper(const Napi::CallbackInfo& info);
Napi::Value WatchReadable(const Napi::CallbackInfo& info);
Napi::Value ReapPidfd(const Napi::CallbackInfo& info);
Napi::Value PidfdOpenFn(const Napi::CallbackInfo& info);
Napi::Value WaitReadableSync(const Napi::CallbackInfo& info);
Napi::Value FsBatch(const Napi::CallbackInfo& info);  // fs_batch.cc
// zygote.cc
Napi::Value SeqpacketPair(const Napi::CallbackInfo& info);
Napi::Value ZygoteRequest(const Napi::CallbackInfo& info);
Napi::Value ZygoteReply(const Napi::CallbackInfo& info);
// shim.cc (containerd-shim-tsrunc-v2)
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info);
Napi::Value Mount(const Napi::CallbackInfo& info);
Napi::Value Unmount(const Napi::CallbackInfo& info);
// layer_fs.cc (src/layers/: unpacking image layers)
Napi::Value Mknod(const Napi::CallbackInfo& info);
Napi::Value Lsetxattr(const Napi::CallbackInfo& info);
Napi::Value Lgetxattr(const Napi::CallbackInfo& info);
Napi::Value Llistxattr(const Napi::CallbackInfo& info);

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClassFn));
  exports.Set("sealedExecutable", Napi::Function::New(env, SealedExecutable));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("setBlocking", Napi::Function::New(env, SetBlocking));
  exports.Set("userName", Napi::Function::New(env, UserName));
  exports.Set("attachDeviceFilter", Napi::Function::New(env, AttachDeviceFilter));
  exports.Set("eventfd", Napi::Function::New(env, Eventfd));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("socketpair", Napi::Function::New(env, SocketPair));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd));
  exports.Set("sendFd", Napi::Function::New(env, SendFd));
  exports.Set("openpty", Napi::Function::New(env, OpenPty));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize));
  exports.Set("makeRaw", Napi::Function::New(env, MakeRaw));
  exports.Set("restoreTerminal", Napi::Function::New(env, RestoreTerminal));
  exports.Set("spawnHelper", Napi::Function::New(env, SpawnHelper));
  exports.Set("watchReadable", Napi::Function::New(env, WatchReadable));
  exports.Set("reapPidfd", Napi::Function::New(env, ReapPidfd));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpenFn));
  exports.Set("waitReadableSync", Napi::Function::New(env, WaitReadableSync));
  exports.Set("fsBatch", Napi::Function::New(env, FsBatch));
  exports.Set("seqpacketPair", Napi::Function::New(env, SeqpacketPair));
  exports.Set("zygoteRequest", Napi::Function::New(env, ZygoteRequest));
  exports.Set("zygoteReply", Napi::Function::New(env, ZygoteReply));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper));
  exports.Set("mount", Napi::Function::New(env, Mount));
  exports.Set("unmount", Napi::Function::New(env, Unmount));
  exports.Set("mknod", Napi::Function::New(env, Mknod));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr));
  InitCore(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrunc, Init)
