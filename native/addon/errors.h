// Errors from the addon look like Node's own fs errors (code, errno, syscall, path), so the
// TypeScript side handles both the same way.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>

[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path = "") {
  std::string msg = std::string(strerror(err)) + ", " + syscall;
  if (!path.empty()) msg += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  e.Set("code", Napi::String::New(env, strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN"));
  throw e;
}
