#include "sched.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"

namespace {

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

constexpr int kIoprioWhoProcess = 1;

// The path is the container's /proc: a label written anywhere but procfs would leave the process
// unconfined without a word (CVE-2019-19921), so the file must be on procfs.
void write_attr(const char* path, const std::string& value, const std::string& pointer) {
  Fd fd(open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.fd < 0) fail_errno(std::string("open ") + path, pointer);
  struct statfs fs;
  if (fstatfs(fd.fd, &fs) < 0) fail_errno(std::string("statfs ") + path, pointer);
  if (fs.f_type != PROC_SUPER_MAGIC)
    throw SetupError(std::string(path) + " is not on procfs; refusing to write the label there", EINVAL, pointer);
  if (write(fd.fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    fail_errno(std::string("write ") + path, pointer);
}

}  // namespace

void apply_scheduling(const ProcessPlan& p) {
  if (p.ioPriority && syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, p.ioPriority->value) < 0)
    fail_errno("ioprio_set", "/process/ioPriority");
  if (p.scheduler) {
    const SchedulerPlan& s = *p.scheduler;
    SchedAttr attr = {sizeof(SchedAttr), s.policy, s.flags, s.nice, s.priority, s.runtime, s.deadline, s.period};
    if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) fail_errno("sched_setattr", "/process/scheduler");
  }
}

void apply_personality(const std::optional<unsigned long>& domain) {
  if (domain && personality(*domain) < 0)
    fail_errno("personality", "/linux/personality");
}

void apply_exec_labels(const ProcessPlan& p) {
  if (p.lsm.apparmorProfile) {
    // Newer kernels keep AppArmor's attributes in their own directory (stacked LSMs).
    const char* attr = access("/proc/self/attr/apparmor/exec", F_OK) == 0 ? "/proc/self/attr/apparmor/exec"
                                                                          : "/proc/self/attr/exec";
    write_attr(attr, "exec " + *p.lsm.apparmorProfile, "/process/apparmorProfile");
  }
  if (p.lsm.selinuxLabel) write_attr("/proc/self/attr/exec", *p.lsm.selinuxLabel, "/process/selinuxLabel");
}
