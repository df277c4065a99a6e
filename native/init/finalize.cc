#include "finalize.h"

#include <unistd.h>

#include "error.h"
#include "process.h"
#include "sched.h"
#include "seccomp_agent.h"

PreparedProcess prepare_process(const ProcessPlan& p, const std::optional<SeccompPlan>& seccomp) {
  apply_rlimits(p);
  // runc's words.
  if (chdir(p.cwd.c_str()) < 0) fail_errno("chdir to cwd (\"" + p.cwd + "\") set in config.json failed", "/process/cwd");
  PreparedProcess out;
  out.exe = find_executable(p);
  out.home = home_env(p);
  // Built now so that a filter libseccomp refuses fails here; loaded in finalize_process.
  if (seccomp) out.filter = std::make_unique<SeccompFilter>(*seccomp);
  apply_memory_policy(p);
  return out;
}

void finalize_process(PreparedProcess& prepared, const ProcessPlan& p, const std::optional<SeccompPlan>& seccomp,
                      const std::optional<unsigned long>& personality, const AgentTarget& agent,
                      const std::function<void()>& beforeExec) {
  apply_scheduling(p);
  // Before the filter, as runc: a filter that denies personality(2) does not stop the process.
  apply_personality(personality);
  apply_exec_labels(p);
  // Without no_new_privs loading a filter takes CAP_SYS_ADMIN: before the user switch and the
  // capability drop. With it, after them, so the filter sees as few syscalls of ours as it can.
  int notifyFd = -1;
  if (prepared.filter && !p.noNewPrivileges) notifyFd = prepared.filter->load();
  apply_identity(p);
  if (prepared.filter && p.noNewPrivileges) notifyFd = prepared.filter->load();
  if (notifyFd >= 0) send_to_agent(agent.fd, notifyFd, agent.pid, seccomp->listener->metadata, agent.state);
  if (beforeExec) beforeExec();
  exec_process(prepared.exe, p, prepared.home);
}
