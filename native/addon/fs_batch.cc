// Many small file system calls on the thread pool for one callback: an in-process caller places
// every container's init in ten cgroup v1 hierarchies (a cgroup.procs write each, which sleeps in
// the kernel for an RCU grace period) and removes ten directories again. Through Node's fs each is
// an open, a write and a close, every one a request with its own callback and promise on the event
// loop (~1.5 ms of the JS thread per container here); here each path is one pool job, all of them
// queued at once as before, and JS hears once, when the last is done.
//
//   fsBatch(op, paths, value, callback(results))
//       op "write": open(path, O_WRONLY|O_TRUNC|O_CLOEXEC) (no O_CREAT: a file the kernel lacks
//       fails with ENOENT), one write of value, close. op "rmdir": rmdir(path).
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

struct Batch;

struct Job {
  uv_work_t req;
  Batch* batch;
  size_t index;
};

struct Batch {
  napi_env env;
  Napi::FunctionReference callback;
  bool write;
  std::string value;
  std::vector<std::string> paths;
  std::vector<int> errors;  // errno per path, 0 = done
  std::vector<Job> jobs;
  size_t left;
};

void Work(uv_work_t* req) {
  Job* job = static_cast<Job*>(req->data);
  Batch* b = job->batch;
  const char* path = b->paths[job->index].c_str();
  int err = 0;
  if (b->write) {
    int fd;
    do fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      err = errno;
    } else {
      ssize_t n;
      do n = write(fd, b->value.data(), b->value.size());
      while (n < 0 && errno == EINTR);
      if (n < 0) err = errno;
      close(fd);
    }
  } else if (rmdir(path) < 0) {
    err = errno;
  }
  b->errors[job->index] = err;
}

void After(uv_work_t* req, int status) {
  Job* job = static_cast<Job*>(req->data);
  Batch* b = job->batch;
  if (status == UV_ECANCELED) b->errors[job->index] = ECANCELED;
  if (--b->left > 0) return;
  std::unique_ptr<Batch> owned(b);
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
  const size_t n = b->paths.size();
  b->errors.assign(n, 0);
  b->jobs.resize(n);
  b->left = n;
  if (n == 0) {
    b->callback.Call({Napi::Array::New(env, 0)});
    return env.Undefined();
  }
  Batch* raw = b.release();  // freed by the last After()
  for (size_t i = 0; i < n; i++) {
    Job& job = raw->jobs[i];
    job.batch = raw;
    job.index = i;
    job.req.data = &job;
    int rc = uv_queue_work(loop, &job.req, Work, After);
    if (rc < 0) {  // never for a valid loop and callbacks; counted as failed so the batch ends
      raw->errors[i] = -rc;
      if (--raw->left == 0) {
        delete raw;
        throw Napi::Error::New(env, "fsBatch: uv_queue_work failed");
      }
    }
  }
  return env.Undefined();
}
