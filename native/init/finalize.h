// The container process's last steps, one implementation for the init (main.cc) and an exec'd
// process (exec.cc), as runc's finalizeNamespace serves its standard and setns inits. Two halves:
//   prepare_process   inside the container's root, before success is reported (so that what the
//                     kernel or libseccomp refuses fails `create` / `exec`, not later): rlimits,
//                     cwd, the executable looked up in the container's PATH, HOME, the memory
//                     policy, the seccomp filter built;
//   finalize_process  after (for the init: after `start`): scheduling, personality, LSM exec
//                     labels, the seccomp filter loaded around the identity switch, its notify fd
//                     to the agent, the last hooks, execve.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "plan.h"
#include "seccomp.h"

struct PreparedProcess {
  std::string exe;   // the path execve gets
  std::string home;  // "HOME=..." to add, or ""
  std::unique_ptr<SeccompFilter> filter;
};

PreparedProcess prepare_process(const ProcessPlan& p, const std::optional<SeccompPlan>& seccomp);

// The seccomp agent of SCMP_ACT_NOTIFY (seccomp_agent.h): connected earlier, -1 for none.
struct AgentTarget {
  int fd = -1;
  int pid = 0;             // the process's pid as the host sees it
  std::string state;       // the container's state JSON
};

// Never returns: execs the process or throws SetupError. `beforeExec` runs last, confined as the
// process will be (the init's startContainer hooks); may be empty.
[[noreturn]] void finalize_process(PreparedProcess& prepared, const ProcessPlan& p,
                                   const std::optional<SeccompPlan>& seccomp,
                                   const std::optional<unsigned long>& personality, const AgentTarget& agent,
                                   const std::function<void()>& beforeExec);
