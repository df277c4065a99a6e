// The plan as tsrunc-init sees it: a C++ mirror of src/plan/types.ts (the source of truth).
// Nothing here is interpreted: every decision was made by the TypeScript compiler.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hooks.h"

struct NamespaceJoin {
  std::string type;
  int flag;
  std::string path;
  std::string pointer;
};

struct MountOp {
  std::string destination, source, fstype, data, pointer, createAs;
  unsigned long flags, remountFlags;
  std::vector<unsigned long> propagation;
  bool sysfsFallback;
};

struct DeviceNode {
  std::string path, pointer;
  unsigned int mode, major, minor, uid, gid;
};

struct Symlink {
  std::string path, target;
};

struct Rlimit {
  int resource;
  uint64_t soft, hard;
  std::string pointer;
};

// Bit N = capability number N; see CapabilityMasks in types.ts.
struct CapabilityMasks {
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

// sched_setattr(2) arguments (see SchedulerPlan in types.ts).
struct SchedulerPlan {
  uint32_t policy;
  int32_t nice;
  uint32_t priority;
  uint64_t flags, runtime, deadline, period;
};

struct ProcessPlan {
  std::vector<std::string> args, env;
  std::string cwd;
  unsigned int uid, gid;
  std::vector<unsigned int> additionalGids;
  int umask;  // -1 = keep
  bool noNewPrivileges;
  std::vector<Rlimit> rlimits;
  std::optional<CapabilityMasks> capabilities;  // none = leave the sets alone
  std::optional<int> oomScoreAdj;               // none = inherit
  int ioPriority;                               // ioprio_set value; -1 = inherit
  std::optional<SchedulerPlan> scheduler;       // none = inherit
  std::string apparmorProfile, selinuxLabel;    // "" = none
  // --- terminal (issue 9): process.terminal / consoleSize ---
  bool terminal;                       // a pty slave becomes stdio and the controlling tty
  unsigned short consoleRows, consoleCols;  // consoleSize; 0 = the kernel's default
};

// One linux.sysctl entry: write `value` to `path` (a /proc/sys file).
struct SysctlWrite {
  std::string path, value, pointer;
};

// linux.seccomp, see SeccompPlan in types.ts. Actions, operators and flags keep the spec's names
// (SCMP_ACT_ERRNO, SCMP_CMP_MASKED_EQ...); seccomp.cc maps them to libseccomp's values.
struct SeccompArgCompare {
  unsigned int index;
  uint64_t value, valueTwo;
  std::string op;
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action, pointer;
  std::optional<unsigned int> errnoRet;  // ERRNO / TRACE only
  std::vector<SeccompArgCompare> args;
};

struct SeccompPlan {
  std::string defaultAction;
  std::optional<unsigned int> defaultErrnoRet;
  std::vector<std::string> architectures, flags;
  std::vector<SeccompRule> rules;
  std::string listenerPath, listenerMetadata;  // SCMP_ACT_NOTIFY's agent; "" = none
};

struct Plan {
  std::string id, rootfs;
  bool rootReadonly, noPivot, setupDev;
  unsigned long rootPropagation, rootfsPropagation;
  int cloneFlags;
  std::vector<NamespaceJoin> joins;
  bool hasHostname, hasDomainname;
  std::string hostname, domainname;
  std::vector<MountOp> mounts;
  std::vector<DeviceNode> devices;
  std::vector<Symlink> symlinks;
  std::vector<std::string> maskedPaths, readonlyPaths;
  std::vector<SysctlWrite> sysctl;
  std::vector<HookPlan> createContainerHooks, startContainerHooks;
  bool runtimeHooks;  // tsrunc runs prestart/createRuntime hooks after our mounts: pause for them
  ProcessPlan process;
  long personality;  // personality(2) domain; -1 = inherit
  std::optional<SeccompPlan> seccomp;  // none = no filter
};

// How this run of tsrunc-init was asked to behave (not part of the container's definition).
struct Launch {
  Plan plan;
  int fifoFd;        // O_PATH fd of exec.fifo (from $TSRUNC_FIFO_FD); -1 = start at once
  bool wait;         // stay as the init's parent and exit with its status (foreground `run`)
  int preserveFds;   // fds 3 .. 3+N-1 pass into the container
  int consoleFd = -1;  // process.terminal: where the pty master goes (from $TSRUNC_CONSOLE_FD)
};

// Parses the launch message (one JSON document). Throws SetupError on malformed input.
Launch parse_launch(const std::string& text);
