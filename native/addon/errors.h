// Errors from the addon are the project's own TsruncError (src/errors.ts): src/native/addon.ts
// hands its constructor over once at load (setErrorClass), as better-sqlite3 does with its
// SqliteError, so every native failure arrives as
//   new TsruncError('SYSTEM', "<strerror>, <syscall> '<path>'", { errno: 'ENOENT', syscall })
// `code` is tsrunc's ErrorCode; the OS error's name is in `errno`, never in `code`.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>

// The TsruncError constructor, kept per Node environment.
inline void SetErrorClass(Napi::Env env, Napi::Function ctor) {
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(ctor)));
}

[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path = "") {
  std::string msg = std::string(strerror(err)) + ", " + syscall;
  if (!path.empty()) msg += " '" + path + "'";
  const char* name = strerrorname_np(err);
  Napi::FunctionReference* ctor = env.GetInstanceData<Napi::FunctionReference>();
  if (ctor == nullptr) throw Napi::Error::New(env, msg + " (the addon was loaded without its error class)");
  Napi::Object options = Napi::Object::New(env);
  options.Set("errno", Napi::String::New(env, name ? name : "EUNKNOWN"));
  options.Set("syscall", Napi::String::New(env, syscall));
  Napi::Object error = ctor->New({Napi::String::New(env, "SYSTEM"), Napi::String::New(env, msg), options});
  throw Napi::Error(env, error);
}
