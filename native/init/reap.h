// Stage-0's last job, the same for the init (main.cc) and exec (exec.cc): report the pid of the
// process it started, then exit - or, in the foreground, wait for it and report how it ended.
#pragma once
#include <sys/types.h>

class SyncSocket;

// Waits for `pid` and returns its exit status, 128+N when signal N killed it. Ignores the
// signals tsrunc forwards to that process, so the helper does not die of them first.
int wait_for_exit(pid_t pid);

// Sync step 2 ({"type":"pid"}), then closes the socket (the process's own copy is close-on-exec,
// so tsrunc reads end-of-file once it exec'd). Returns stage-0's exit status: 0, or with `wait`
// the process's (wait_for_exit). When tsrunc is gone before step 2 the process is killed: nobody
// would know it exists.
int finish_stage0(SyncSocket& sync, pid_t pid, bool wait);
