// eventfd(): a non-blocking eventfd for cgroup v1 notifications. tsrunc registers it with
// "<eventfd> <memory.oom_control fd>" in the memory cgroup's cgroup.event_control, and the kernel
// adds 1 to it for every OOM in that cgroup (and once when the cgroup is removed). Non-blocking,
// so `events` reads it in its own loop and never leaves a read pending in Node's thread pool.
#include <napi.h>

#include <cerrno>
#include <sys/eventfd.h>

#include "errors.h"

Napi::Value Eventfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) ThrowErrno(env, errno, "eventfd");
  return Napi::Number::New(env, fd);
}
