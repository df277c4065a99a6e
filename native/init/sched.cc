#include "sched.h"

#include <algorithm>
#include <cerrno>
#include <sched.h>
#include <string>
#include <vector>
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

// linux.memoryPolicy: set_mempolicy(2) on this process; kept across execve and inherited by its
// children. glibc has no wrapper (libnuma's is not worth a dependency for one call).
void apply_memory_policy(const ProcessPlan& p) {
  if (!p.memoryPolicy) return;
  const MemoryPolicyPlan& m = *p.memoryPolicy;
  constexpr unsigned kBits = 8 * sizeof(unsigned long);
  unsigned highest = 0;
  for (unsigned n : m.nodes) highest = std::max(highest, n);
  std::vector<unsigned long> mask(m.nodes.empty() ? 0 : highest / kBits + 1, 0);
  for (unsigned n : m.nodes) mask[n / kBits] |= 1UL << (n % kBits);
  // maxnode counts bits plus one (the kernel reads maxnode - 1 of them).
  const unsigned long maxnode = mask.empty() ? 0 : mask.size() * kBits + 1;
  if (syscall(SYS_set_mempolicy, m.mode, mask.empty() ? nullptr : mask.data(), maxnode) < 0)
    fail_errno("set_mempolicy", "/linux/memoryPolicy");
}

// The CPUs this process may run on once it is in its cgroup. Without a list: all of them, i.e. as
// many as its cpuset allows (the kernel intersects the mask with it), so that the runtime's own
// affinity is not passed on: since Linux 6.2 a cgroup move keeps an affinity set before it (runc 1.4
// resets it the same way). `pointer` names the field a given list came from.
void set_cpu_affinity(const std::optional<std::vector<unsigned>>& cpus, const char* pointer) {
  constexpr int kMaxCpus = 8192;
  cpu_set_t* set = CPU_ALLOC(kMaxCpus);
  const size_t size = CPU_ALLOC_SIZE(kMaxCpus);
  CPU_ZERO_S(size, set);
  for (int cpu = 0; cpu < kMaxCpus; cpu++) {
    if (!cpus) CPU_SET_S(cpu, size, set);
  }
  if (cpus) {
    for (unsigned cpu : *cpus) {
      if (cpu >= kMaxCpus) {
        CPU_FREE(set);
        throw SetupError("CPU " + std::to_string(cpu) + " is beyond this runtime's limit of " + std::to_string(kMaxCpus), EINVAL, pointer);
      }
      CPU_SET_S(cpu, size, set);
    }
  }
  const int rc = sched_setaffinity(0, size, set);
  const int err = errno;
  CPU_FREE(set);
  if (rc == 0) return;
  // The reset is best effort (an empty cpuset, a SCHED_DEADLINE runtime): runc ignores it too.
  if (!cpus) return;
  errno = err;
  fail_errno("sched_setaffinity", pointer);
}

void apply_scheduling(const ProcessPlan& p) {
  // Before sched_setattr: a SCHED_DEADLINE task may not narrow its affinity afterwards.
  set_cpu_affinity(p.cpuAffinity, "/process/execCPUAffinity/final");
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
