// Scheduling and execution-domain attributes of the container process: memory policy and CPU
// affinity (runtime-spec 1.3, 1.2.1), I/O priority, scheduler policy (runtime-spec 1.2), personality, and the LSM labels its exec gets.
#pragma once
#include "plan.h"

// set_mempolicy (linux.memoryPolicy) on this process: before `ready`, so that a policy the kernel
// refuses fails create (or exec).
void apply_memory_policy(const ProcessPlan& p);
// sched_setaffinity (all CPUs of the cpuset, or an exec's
// execCPUAffinity.final), ioprio_set, sched_setattr: while the process still has CAP_SYS_NICE
// (before the user switch), once it is in its cgroup.
void apply_scheduling(const ProcessPlan& p);
// sched_setaffinity to `cpus` (null: every CPU, best effort); a failure names `pointer`.
void set_cpu_affinity(const std::optional<std::vector<unsigned>>& cpus, const char* pointer);
// linux.personality of the init's plan or of an exec's (the container's).
void apply_personality(const std::optional<unsigned long>& domain);
// AppArmor profile / SELinux label for the coming execve (the compiler checked the LSM is there).
void apply_exec_labels(const ProcessPlan& p);
