// linux.seccomp: the plan's SeccompPlan turned into a BPF filter by libseccomp.
//
// Built in two steps, so that a filter libseccomp refuses fails `create` and the filter itself
// sees as few of the init's own syscalls as possible:
//   SeccompFilter(plan)  before the init reports ready: resolves names, adds every rule;
//   load()               after `start`, as late as the privileges allow (see main.cc): with
//                        noNewPrivileges false the kernel wants CAP_SYS_ADMIN for it, so it comes
//                        before the user switch and the capability drop; otherwise it is the very
//                        last step before execve. runc orders it the same way.
#pragma once
#include "plan.h"

class SeccompFilter {
 public:
  // Throws SetupError naming the config field (e.g. /linux/seccomp/syscalls/3) on failure.
  explicit SeccompFilter(const SeccompPlan& plan);
  ~SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  // Installs the filter for this process and everything it execs. Throws SetupError.
  void load();

 private:
  void* ctx_;  // scmp_filter_ctx
};
