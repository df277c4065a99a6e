#include "sched.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "fd.h"
#include "procfs.h"

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

// A label written anywhere but procfs would leave the process unconfined without a word
// (CVE-2019-19921): written through a verified procfs (procfs.h), never the container's /proc path.
void apply_exec_labels(const ProcessPlan& p) {
  if (!p.lsm.apparmorProfile && !p.lsm.selinuxLabel) return;
  Fd proc(open_procfs_root(p.lsm.apparmorProfile ? "/process/apparmorProfile" : "/process/selinuxLabel"));
  if (p.lsm.apparmorProfile) {
    // Newer kernels keep AppArmor's attributes in their own directory (stacked LSMs).
    const char* attr = proc_file_exists(proc.fd, "self/attr/apparmor/exec") ? "self/attr/apparmor/exec" : "self/attr/exec";
    write_proc_file(proc.fd, attr, "exec " + *p.lsm.apparmorProfile, "/process/apparmorProfile");
  }
  if (p.lsm.selinuxLabel) write_proc_file(proc.fd, "self/attr/exec", *p.lsm.selinuxLabel, "/process/selinuxLabel");
}
