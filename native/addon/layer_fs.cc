// What unpacking an image layer (src/layers/) needs and Node's fs lacks: mknod(2) for device nodes,
// FIFOs and overlayfs whiteouts (a 0/0 character device), and lsetxattr(2) for the entries' xattrs
// and trusted.overlay.opaque. Each call works on a path the caller has already vetted (every parent
// an ordinary directory inside the layer being unpacked).
#include <napi.h>

#include <cerrno>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "errors.h"

namespace {
// An xattr name as the caller gives it: a string, or a Buffer for a name that is not UTF-8 (an
// image may carry any bytes there; a JS string would replace them).
std::string XattrName(const Napi::Value& v) {
  if (v.IsBuffer()) {
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    return std::string(b.Data(), b.Length());
  }
  return v.As<Napi::String>();
}
}  // namespace

// mknod(path, mode, major, minor): mode carries the file type (S_IFCHR, S_IFBLK, S_IFIFO).
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  unsigned int major = info[2].As<Napi::Number>().Uint32Value();
  unsigned int minor = info[3].As<Napi::Number>().Uint32Value();
  if (mknod(path.c_str(), mode, makedev(major, minor)) < 0) ThrowErrno(env, errno, "mknod", path);
  return env.Undefined();
}

// lsetxattr(path, name, value): never follows a symlink at path.
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  std::string name = XattrName(info[1]);
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), 0) < 0) ThrowErrno(env, errno, "lsetxattr", path);
  return env.Undefined();
}

// lgetxattr(path, name): the value, or null when the file has no such attribute.
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  std::string name = XattrName(info[1]);
  char buf[65536];
  ssize_t n = lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) return env.Null();
    ThrowErrno(env, errno, "lgetxattr", path);
  }
  return Napi::Buffer<char>::Copy(env, buf, static_cast<size_t>(n));
}

// llistxattr(path): the attribute names as Buffers, byte for byte (copying a volume's seed keeps
// them, UTF-8 or not).
Napi::Value Llistxattr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  char buf[65536];
  ssize_t n = llistxattr(path.c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == ENOTSUP) n = 0;
    else ThrowErrno(env, errno, "llistxattr", path);
  }
  Napi::Array names = Napi::Array::New(env);
  uint32_t i = 0;
  for (ssize_t start = 0; start < n;) {
    std::string name(buf + start);
    names.Set(i++, Napi::Buffer<char>::Copy(env, name.data(), name.size()));
    start += static_cast<ssize_t>(name.size()) + 1;
  }
  return names;
}
