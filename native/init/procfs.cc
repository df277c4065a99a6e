#include "procfs.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "error.h"

namespace {

void write_proc_file(const std::string& path, const std::string& value, const std::string& pointer) {
  int fd = open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) fail_errno("open " + path, pointer);
  ssize_t n = write(fd, value.data(), value.size());
  int e = errno;
  close(fd);
  if (n < 0) fail_errno("write " + path, pointer, e);
  if (static_cast<size_t>(n) != value.size()) throw SetupError("short write to " + path, 0, pointer);
}

}  // namespace

void apply_sysctls(const Plan& plan) {
  for (const SysctlWrite& s : plan.sysctl) write_proc_file(s.path, s.value, s.pointer);
}

void apply_oom_score_adj(const ProcessPlan& p) {
  if (p.oomScoreAdj)
    write_proc_file("/proc/self/oom_score_adj", std::to_string(*p.oomScoreAdj), "/process/oomScoreAdj");
}
