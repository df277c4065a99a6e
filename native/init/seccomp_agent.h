// The seccomp agent of SCMP_ACT_NOTIFY: the runtime spec's "container process state" (JSON, with
// fds ["seccompFd"]) plus the filter's notify fd (SCM_RIGHTS), sent once over a fresh connection
// to linux.seccomp.listenerPath, which is then closed.
#pragma once
#include <string>

// Connects to the agent; done before pivot_root, while the host path is reachable.
int connect_agent(const std::string& path);
// Sends the state and the notify fd, then closes both fds. Throws SetupError on failure (the
// runtime spec says a failed send is an error).
void send_to_agent(int agent, int notifyFd, int pid, const std::string& metadata, const std::string& state);
