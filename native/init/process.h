// The container process itself: its limits, identity and the final execve.
#pragma once
#include "plan.h"

// Steps that need privileges and the host view (before pivot_root): rlimits.
void apply_rlimits(const ProcessPlan& p);
void apply_hostname(const Plan& plan);
// Finds args[0] the way execvp would, using the container's PATH; run inside the new root so a
// missing binary fails `create`, not `start`. Returns the path to exec.
std::string find_executable(const ProcessPlan& p);
// In a user namespace, once tsrunc has written its maps: uid and gid 0 of it, no supplementary
// groups (where the namespace allows setgroups). Files made from here on belong to its root.
void become_userns_root();
// Drops to the configured user and groups with the configured capabilities; sets no_new_privs
// and the umask. The last step before exec.
void apply_identity(const ProcessPlan& p);
// Marks every fd above the preserved ones close-on-exec, so nothing of the runtime leaks into
// the container (CVE-2024-21626).
void close_runtime_fds(int preserveFds);
// runc's HOME: when the process's environment has none, the home directory of the process's uid in
// the container's /etc/passwd ("/" without an entry). Read inside the container's root before
// anything is dropped or filtered; "" when HOME is set. Returns the "HOME=..." entry to add.
std::string home_env(const ProcessPlan& p);
// `extraEnv` (may be empty) is appended to the process's environment.
[[noreturn]] void exec_process(const std::string& path, const ProcessPlan& p, const std::string& extraEnv);
