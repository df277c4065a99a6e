// Starting tsrunc-init and waiting on fds without Node's child_process, net or stream modules
// (loading them and spawning through them cost a create ~8 ms of CPU; see bench/RESULTS.md).
//
//   spawnHelper(exe, slots, env, argv0) -> { pid, pidfd }
//       posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), safe in a multithreaded process) of `exe`
//       with fd slots[i] as its fd i (-1: /dev/null), every signal at its default disposition
//       and none blocked (Node ignores SIGPIPE; an ignored signal would survive the exec),
//       fds 0-2 without O_NONBLOCK (as libuv's spawn), and exactly `env`. Every other fd of this process is close-on-exec (Node opens everything
//       so; tsrunc-init closes the rest again, CVE-2024-21626). A failed exec throws here.
//   watchReadable(fd, callback) -> { close() }
//       a libuv poll on fd (a pidfd, a socket): callback() on the event loop each time it is
//       readable. It holds the loop open until closed. Nothing polls on a timer.
//   reapPidfd(pidfd) -> { code, signal } | null    waitid(P_PIDFD, WNOHANG) of a child
//   pidfdOpen(pid) -> fd                           close-on-exec; throws ESRCH for a dead pid
//   waitReadableSync(fds, timeoutMs, priority?) -> boolean   poll() until every fd is readable
//       (a pidfd: its process exited), or with priority until one reports POLLPRI (a change of
//       cgroup.events); false at the deadline
#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <memory>
#include <vector>

#include "errors.h"
#include "nonblock.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

struct Spawned {
  std::vector<int> high;
  ~Spawned() {
    for (int fd : high) if (fd >= 0) close(fd);
  }
};

}  // namespace

Napi::Value SpawnHelper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string exe = info[0].As<Napi::String>();
  Napi::Array slots = info[1].As<Napi::Array>();
  Napi::Array envArr = info[2].As<Napi::Array>();
  std::string argv0 = info[3].As<Napi::String>();
  const int n = static_cast<int>(slots.Length());
  // Every source is first copied above the highest slot: a dup2 onto slot i must never clobber
  // the source of a later slot. The copies are close-on-exec, the dup2'ed slots are not.
  Spawned s;
  for (int i = 0; i < n; i++) {
    int src = slots.Get(i).As<Napi::Number>().Int32Value();
    int opened = -1;
    if (src < 0) {
      opened = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (opened < 0) ThrowErrno(env, errno, "open", "/dev/null");
      src = opened;
    }
    int high = fcntl(src, F_DUPFD_CLOEXEC, n);
    int e = errno;
    if (opened >= 0) close(opened);
    if (high < 0) ThrowErrno(env, e, "F_DUPFD_CLOEXEC");
    s.high.push_back(high);
  }
  // fds 0-2 start blocking, as libuv's spawn leaves them for a child: O_NONBLOCK belongs to the
  // open file description, shared with whoever else holds it (Node's own stdout, on a pipe).
  for (int i = 0; i < n && i <= 2; i++) ClearNonBlock(s.high[i]);
  std::vector<std::string> envStore;
  for (uint32_t i = 0; i < envArr.Length(); i++) envStore.push_back(envArr.Get(i).As<Napi::String>());
  std::vector<char*> envp;
  for (std::string& v : envStore) envp.push_back(v.data());
  envp.push_back(nullptr);
  char* argv[] = {argv0.data(), nullptr};

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  for (int i = 0; i < n; i++) posix_spawn_file_actions_adddup2(&fa, s.high[i], i);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) ThrowErrno(env, rc, "posix_spawn", exe);
  // The child is ours and unreaped: its pid cannot be reused before the pidfd exists.
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int e = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ThrowErrno(env, e, "pidfd_open");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("pidfd", Napi::Number::New(env, pidfd));
  return out;
}

namespace {

struct Watch {
  uv_poll_t poll;
  Napi::Env env;
  Napi::FunctionReference callback;
  bool closed = false;
  explicit Watch(Napi::Env e) : env(e) {}
};

void OnReadable(uv_poll_t* handle, int status, int events) {
  Watch* w = static_cast<Watch*>(handle->data);
  if (w->closed) return;
  Napi::HandleScope scope(w->env);
  try {
    w->callback.MakeCallback(w->env.Global(), {});
  } catch (const Napi::Error& e) {
    napi_fatal_exception(w->env, e.Value());
  }
}

void StopWatch(Watch* w) {
  if (w->closed) return;
  w->closed = true;
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
}

}  // namespace

Napi::Value WatchReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
  Watch* w = new Watch(env);
  w->callback = Napi::Persistent(info[1].As<Napi::Function>());
  w->poll.data = w;
  // uv_poll_init makes the fd non-blocking; put its flags back: the sync socket is written with
  // blocking writes (a plan can exceed the socket buffer), and is read only once readable.
  int flags = fcntl(fd, F_GETFL);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) {
    delete w;
    ThrowErrno(env, -rc, "uv_poll_init");
  }
  if (flags >= 0) fcntl(fd, F_SETFL, flags);
  uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, OnReadable);
  // close() may be called more than once; the Watch is freed by libuv's close callback.
  auto live = std::make_shared<Watch*>(w);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("close", Napi::Function::New(env, [live](const Napi::CallbackInfo& ci) {
    if (*live) StopWatch(*live);
    *live = nullptr;
    return ci.Env().Undefined();
  }));
  return handle;
}

Napi::Value ReapPidfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = info[0].As<Napi::Number>().Int32Value();
  siginfo_t si{};
  int rc;
  do rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &si, WEXITED | WNOHANG);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) ThrowErrno(env, errno, "waitid");
  if (si.si_pid == 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  bool exited = si.si_code == CLD_EXITED;
  out.Set("code", exited ? Napi::Number::New(env, si.si_status) : env.Null());
  out.Set("signal", exited ? env.Null() : Napi::Number::New(env, si.si_status));
  return out;
}

Napi::Value PidfdOpenFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = PidfdOpen(info[0].As<Napi::Number>().Int32Value());
  if (fd < 0) ThrowErrno(env, errno, "pidfd_open");
  return Napi::Number::New(env, fd);
}

Napi::Value WaitReadableSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array arr = info[0].As<Napi::Array>();
  int64_t timeoutMs = info[1].As<Napi::Number>().Int64Value();
  // priority: a kernfs file (cgroup.events) signals a change with POLLPRI; it is always POLLIN.
  const short events = info.Length() > 2 && info[2].ToBoolean() ? POLLPRI : POLLIN;
  std::vector<pollfd> fds;
  for (uint32_t i = 0; i < arr.Length(); i++) fds.push_back({arr.Get(i).As<Napi::Number>().Int32Value(), events, 0});
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!fds.empty()) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = timeoutMs - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) return Napi::Boolean::New(env, false);
    int rc = poll(fds.data(), fds.size(), static_cast<int>(left));
    if (rc < 0 && errno != EINTR) ThrowErrno(env, errno, "poll");
    std::vector<pollfd> rest;
    for (const pollfd& p : fds) if (p.revents == 0) rest.push_back({p.fd, events, 0});
    if (events == POLLPRI && rc > 0) break;  // one change: the caller reads the file again
    fds.swap(rest);
  }
  return Napi::Boolean::New(env, true);
}
