// Settings the kernel takes as writes to /proc files: linux.sysctl and process.oomScoreAdj.
#pragma once
#include "plan.h"

// Writes every linux.sysctl value. A /proc/sys file belongs to the namespaces of the process
// writing it, so any /proc instance will do once the init is in the container's namespaces.
void apply_sysctls(const Plan& plan);
// Needs privilege to lower the score (CAP_SYS_RESOURCE), so it runs before any is dropped.
void apply_oom_score_adj(const ProcessPlan& p);
