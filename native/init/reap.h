// The foreground helper's last job: wait for the process it started and report how it ended.
#pragma once
#include <sys/types.h>

// Waits for `pid` and returns its exit status, 128+N when signal N killed it. Ignores the
// signals tsrunc forwards to that process, so the helper does not die of them first.
int wait_for_exit(pid_t pid);
