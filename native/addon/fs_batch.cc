// Many small file system calls on the thread pool for one callback: an in-process caller places
// every container's init in ten cgroup v1 hierarchies (a cgroup.procs write each, which sleeps in
// the kernel for an RCU grace period) and removes ten directories again. Through Node's fs each is
// an open, a write and a close, every one a request with its own callback and promise on the event
// loop (~1.5 ms of the JS thread per container here); here the whole batch is one pool job, and
// JS hears once, when it is done. In order, not in parallel: every cgroup.procs write takes the
// kernel's global cgroup_threadgroup_rwsem for writing and every cgroup rmdir the global
// cgroup_mutex, so they run one at a time whatever the threads; one job wakes one pool thread
// (each wake-up of ten took the JS thread's CPU on this 2-core host).
//
//   fsBatch(op, paths, value, callback(results))
//       op "write": open(path, O_WRONLY|O_TRUNC|O_CLOEXEC) (no O_CREAT: a file the kernel lacks
//       fails with ENOENT), one write of value, close. op "rmdir": rmdir(path). Every path is
//       tried, in order, whatever failed before.
//       results[i]: null, or { errno: "EBUSY", message: strerror } for paths[i].
#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct Batch {
  uv_work_t req;
  napi_env env;
  Napi::FunctionReference callback;
  bool write;
  std::string value;
  std::vector<std::string> paths;
  std::vector<int> errors;  // errno per path, 0 = done
};

int WriteOne(const char* path, const std::string& value) {
  int fd;
  do fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  ssize_t n;
  do n = write(fd, value.data(), value.size());
  while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  close(fd);
  return err;
}

void Work(uv_work_t* req) {
  Batch* b = static_cast<Batch*>(req->data);
  for (size_t i = 0; i < b->paths.size(); i++) {
    const char* path = b->paths[i].c_str();
    b->errors[i] = b->write ? WriteOne(path, b->value) : (rmdir(path) < 0 ? errno : 0);
  }
}

void After(uv_work_t* req, int status) {
  std::unique_ptr<Batch> b(static_cast<Batch*>(req->data));
  if (status == UV_ECANCELED) b->errors.assign(b->paths.size(), ECANCELED);
  Napi::Env env(b->env);
  Napi::HandleScope scope(env);
  Napi::Array results = Napi::Array::New(env, b->paths.size());
  for (size_t i = 0; i < b->paths.size(); i++) {
    int e = b->errors[i];
    if (e == 0) {
      results.Set(i, env.Null());
      continue;
    }
    const char* name = strerrorname_np(e);
    Napi::Object r = Napi::Object::New(env);
    r.Set("errno", Napi::String::New(env, name ? name : "EUNKNOWN"));
    r.Set("message", Napi::String::New(env, strerror(e)));
    results.Set(i, r);
  }
  try {
    b->callback.MakeCallback(env.Global(), {results});
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

}  // namespace

Napi::Value FsBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string op = info[0].As<Napi::String>();
  Napi::Array paths = info[1].As<Napi::Array>();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
  auto b = std::make_unique<Batch>();
  b->env = env;
  b->write = op == "write";
  if (!b->write && op != "rmdir") throw Napi::TypeError::New(env, "fsBatch: op is \"write\" or \"rmdir\"");
  b->value = b->write ? info[2].As<Napi::String>().Utf8Value() : "";
  b->callback = Napi::Persistent(info[3].As<Napi::Function>());
  for (uint32_t i = 0; i < paths.Length(); i++) b->paths.push_back(paths.Get(i).As<Napi::String>());
  b->errors.assign(b->paths.size(), 0);
  b->req.data = b.get();
  int rc = uv_queue_work(loop, &b->req, Work, After);
  if (rc < 0) throw Napi::Error::New(env, std::string("fsBatch: uv_queue_work: ") + uv_strerror(rc));
  b.release();  // freed by After()
  return env.Undefined();
}
