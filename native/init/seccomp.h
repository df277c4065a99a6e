// linux.seccomp: the plan's SeccompPlan turned into a BPF filter by libseccomp.
//
// Built in two steps, so that a filter libseccomp refuses fails `create` and the filter itself
// sees as few of the init's own syscalls as possible:
//   SeccompFilter(plan)  before the init reports ready: resolves names, adds every rule and
//                        generates the BPF program;
//   load()               after `start`, as late as the privileges allow (see main.cc): with
//                        noNewPrivileges false the kernel wants CAP_SYS_ADMIN for it, so it comes
//                        before the user switch and the capability drop; otherwise it is the very
//                        last step before execve. runc orders it the same way.
#pragma once
#include <linux/filter.h>

#include <vector>

#include "plan.h"

class SeccompFilter {
 public:
  // Builds the filter and has libseccomp generate its BPF program, so that `start` only hands
  // that program to the kernel. Throws SetupError naming the config field (e.g.
  // /linux/seccomp/syscalls/3) on failure, also when the program is longer than the kernel takes.
  explicit SeccompFilter(const SeccompPlan& plan);
  // Installs the filter for this process and everything it execs. Throws SetupError. Returns the
  // notify fd when the plan has a listener (SCMP_ACT_NOTIFY), else -1.
  int load();

 private:
  std::vector<sock_filter> program_;
  unsigned int flags_;  // SECCOMP_FILTER_FLAG_*
};
