// attachDeviceFilter(cgroupDir, program, license): loads a BPF_PROG_TYPE_CGROUP_DEVICE program
// (instructions made by src/cgroups/device-bpf.ts) and makes it the cgroup's device filter.
// The new program is attached before the old ones are detached: during the swap both apply,
// and since each denies by default the container never gets more than either allows.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <csignal>
#include <linux/bpf.h>
#include <pthread.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "../init/fd.h"
#include "errors.h"

namespace {

long bpf(int cmd, union bpf_attr* attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

std::vector<uint32_t> attached_programs(int cgroup) {
  std::vector<uint32_t> ids(64);
  union bpf_attr attr = {};
  attr.query.target_fd = cgroup;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = reinterpret_cast<uint64_t>(ids.data());
  attr.query.prog_cnt = ids.size();
  if (bpf(BPF_PROG_QUERY, &attr) < 0) return {};
  ids.resize(attr.query.prog_cnt);
  return ids;
}

// BPF_PROG_LOAD. The verifier gives up with EAGAIN whenever a signal is pending (Node's own
// SIGCHLD, a profiler's SIGPROF...), so this thread blocks signals for the call: they wait, or go
// to another thread of the process.
int load_program(const Napi::Buffer<uint8_t>& program, const std::string& license, std::vector<char>* log = nullptr) {
  union bpf_attr load = {};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.Data());
  load.insn_cnt = program.Length() / sizeof(struct bpf_insn);
  load.license = reinterpret_cast<uint64_t>(license.c_str());
  if (log) {
    load.log_buf = reinterpret_cast<uint64_t>(log->data());
    load.log_size = log->size();
    load.log_level = 1;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int fd = -1;
  for (int attempt = 0; attempt < 100; attempt++) {
    fd = static_cast<int>(bpf(BPF_PROG_LOAD, &load));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  int e = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = e;
  return fd;
}

}  // namespace

Napi::Value AttachDeviceFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> program = info[1].As<Napi::Buffer<uint8_t>>();
  std::string license = info[2].As<Napi::String>();

  Fd cgroup(open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (cgroup.fd < 0) ThrowErrno(env, errno, "open", dir);

  Fd prog(load_program(program, license));
  if (prog.fd < 0) {
    // Load again with the verifier's log, only to say why.
    std::vector<char> log(65536);
    int e = errno;
    load_program(program, license, &log);
    ThrowErrno(env, e, "bpf(BPF_PROG_LOAD) device filter", std::string(log.data()).substr(0, 512));
  }

  const std::vector<uint32_t> old = attached_programs(cgroup.fd);
  union bpf_attr attach = {};
  attach.target_fd = cgroup.fd;
  attach.attach_bpf_fd = prog.fd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attach) < 0) ThrowErrno(env, errno, "bpf(BPF_PROG_ATTACH)", dir);

  for (uint32_t id : old) {
    union bpf_attr get = {};
    get.prog_id = id;
    Fd oldProg(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, &get)));
    if (oldProg.fd < 0) continue;  // already gone
    union bpf_attr detach = {};
    detach.target_fd = cgroup.fd;
    detach.attach_bpf_fd = oldProg.fd;
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, &detach) < 0 && errno != ENOENT) ThrowErrno(env, errno, "bpf(BPF_PROG_DETACH)", dir);
  }
  return env.Undefined();
}
