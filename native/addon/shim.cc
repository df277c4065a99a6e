// What containerd-shim-tsrunc-v2 (src/shim/) needs beyond the runtime's own calls: to be the
// child subreaper of its containers (so every init and exec'd process it starts, whose helper
// exits, becomes its child and is reaped by it, as containerd's runc shim does), and to mount the
// rootfs containerd hands over in CreateTaskRequest.rootfs (and unmount it before the bundle goes).
#include <napi.h>

#include <cerrno>
#include <string>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "errors.h"

// setChildSubreaper(): prctl(PR_SET_CHILD_SUBREAPER, 1).
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) ThrowErrno(info.Env(), errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  return info.Env().Undefined();
}

// mount(source, target, fstype, flags, data): mount(2) as is; flags and data come from
// src/plan/mount-options.ts, the table the runtime uses for config.json mounts.
Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string source = info[0].As<Napi::String>();
  std::string target = info[1].As<Napi::String>();
  std::string fstype = info[2].As<Napi::String>();
  unsigned long flags = static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value());
  std::string data = info[4].As<Napi::String>();
  if (mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags, data.empty() ? nullptr : data.c_str()) < 0)
    ThrowErrno(env, errno, "mount", target);
  return env.Undefined();
}

// umount2(target, flags): false when nothing is mounted there (EINVAL), true once unmounted.
Napi::Value Unmount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string target = info[0].As<Napi::String>();
  int flags = info[1].As<Napi::Number>().Int32Value();
  if (umount2(target.c_str(), flags) < 0) {
    if (errno == EINVAL || errno == ENOENT) return Napi::Boolean::New(env, false);
    ThrowErrno(env, errno, "umount2", target);
  }
  return Napi::Boolean::New(env, true);
}
