// tsrunc-init's exec mode (`tsrunc exec`): one more process in a running container, set up the
// way the init sets up its own process. tsrunc sends sync step 9 (sync.h) with an ExecPlan
// (src/plan/exec.ts) instead of the init's launch. Two processes:
//   stage-0 ("tsrunc:[0:EXEC]")  opens a pidfd of the container's init (checked to be the same
//            process tsrunc recorded: a reused pid is refused), joins its user and pid
//            namespaces, forks the exec process, reports its host pid and exits - or, in the
//            foreground, waits for it and exits with its status (128+N for a signal).
//   exec     ("tsrunc:[2:EXEC]") enters the container's cgroups while still in the host's
//            cgroup namespace, joins every other namespace of the init at once (setns on the
//            pidfd: mount last, by the kernel's own order), opens its pty in the container's
//            devpts, applies the process plan (the same functions as the init) and execs.
// A failure of either is one {"type":"error"} on the sync socket; tsrunc sees the exec happen
// as end-of-file on it (every copy is close-on-exec).
#pragma once
#include <string>

#include "sync.h"

// `message`: sync step 9; `consoleFd`: where a pty master goes (or -1). Returns the exit status.
int run_exec(const nlohmann::json& message, SyncSocket& sync, int consoleFd);
