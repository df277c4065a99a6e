// spawn-at-pid PID CMD [ARG...]: starts CMD as a process whose pid is exactly PID, prints
// "PID\n" and exits (the child lives on, reparented). Used to make a stopped container's pid
// really belong to an unrelated process (PID reuse). clone3's set_tid picks the pid (Linux 5.5+,
// CAP_SYS_ADMIN); exit 17 when the pid is still taken (EEXIST: e.g. a zombie not reaped yet),
// so the caller can try again; 1 on any other failure.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PID CMD [ARG...]\n", argv[0]);
    return 1;
  }
  pid_t want = (pid_t)strtol(argv[1], NULL, 10);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  args.set_tid = (uint64_t)(uintptr_t)&want;
  args.set_tid_size = 1;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    int e = errno;
    fprintf(stderr, "clone3 with set_tid %d: %s\n", want, strerror(e));
    return e == EEXIST ? 17 : 1;
  }
  if (pid == 0) {
    // The child: the unrelated process. Its own session, so no signal aimed at the caller's
    // process group reaches it by accident.
    setsid();
    // Nothing of the caller's: a caller that reads our stdout to its end must not wait for CMD.
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  printf("%ld\n", pid);
  return 0;
}
