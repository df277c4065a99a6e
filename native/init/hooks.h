// OCI hooks that run inside the container's namespaces, executed by the init itself:
//   createContainer  after the mounts, before pivot_root (path resolved on the host's tree)
//   startContainer   after `start`, after pivot_root, right before the user process (path
//                    resolved inside the container)
// The runtime-side hooks (prestart, createRuntime, poststart, poststop) run in tsrunc
// (src/runtime/hooks.ts).
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "plan.gen.h"  // HookPlan

// Runs each hook in order with `state` (the container's state JSON) on its stdin and umask `mask`
// (the runtime's, not the init's umask(0)). Throws SetupError naming the hook's pointer when one
// fails, times out or cannot be started; the message includes what the hook printed.
void run_hooks(const std::vector<HookPlan>& hooks, const std::string& state, mode_t mask);

// tsrunc-init started with TSRUNC_RUN_HOOKS (src/runtime/hooks.ts): the runner of the runtime's
// hooks too, in tsrunc's namespaces and with its umask. Reads a RuntimeHooks from stdin, runs it
// with run_hooks' rules, and writes a SyncError line to stdout for each hook that failed. Returns
// the exit status: 0 when every hook succeeded, 1 otherwise, 2 for input it cannot read.
int serve_runtime_hooks();
