// Scheduling and execution-domain attributes of the container process: I/O priority,
// scheduler policy (runtime-spec 1.2), personality, and the LSM labels its exec gets.
#pragma once
#include "plan.h"

// ioprio_set + sched_setattr: while the init still has CAP_SYS_NICE (before the user switch).
void apply_scheduling(const ProcessPlan& p);
// linux.personality of the init's plan or of an exec's (the container's).
void apply_personality(const std::optional<unsigned long>& domain);
// AppArmor profile / SELinux label for the coming execve (the compiler checked the LSM is there).
void apply_exec_labels(const ProcessPlan& p);
