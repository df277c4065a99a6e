#include "reap.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <initializer_list>
#include <sys/wait.h>

#include "error.h"
#include "sync.h"

int wait_for_exit(pid_t pid) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2}) signal(sig, SIG_IGN);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

int finish_stage0(SyncSocket& sync, pid_t pid, bool wait) {
  try {
    sync.send(SyncStep::Pid, {{"pid", pid}});  // sync step 2
  } catch (const SetupError&) {
    kill(pid, SIGKILL);
    return 1;
  }
  close(sync.fd());
  return wait ? wait_for_exit(pid) : 0;
}
