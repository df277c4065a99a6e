// runc's -ENOSYS stub for linux.seccomp (libcontainer/seccomp/patchbpf in runc): a few BPF
// instructions put in front of libseccomp's program. For each architecture the profile lists, a
// syscall numbered above the largest one the profile names is newer than the profile: it returns
// ENOSYS instead of the default action, so that libc falls back to the older syscall (glibc's
// clone3 -> clone, faccessat2 -> faccessat), as under runc. Everything else goes on to the filter.
#pragma once
#include <linux/filter.h>

#include <vector>

#include "plan.h"

// The stub for plan.enosysNames over plan.architectures; empty when there is nothing to bound.
// Its jumps lead to the instruction after it, where the filter is prepended.
std::vector<sock_filter> enosys_stub(const SeccompPlan& plan);
