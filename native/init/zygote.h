// tsrunc-init as a fork server ("zygote") for in-process callers, who start many containers.
//
// Exec'ing tsrunc-init costs every container the kernel's exec and glibc's start-up, whose CPU
// feature and cache probing (~100 cpuid instructions, each a VM exit on a virtual machine) alone
// was ~0.6 ms per container here. The zygote is exec'd once, from the same sealed memfd, and forks
// one helper per request: each starts exactly as an exec'd one would (the fds, the environment,
// default signals, tsrunc's working directory and umask of the moment), and runs from the same
// sealed, unwritable executable (CVE-2019-5736). Resource limits and the scheduling of tsrunc's
// process are the ones it had when the zygote started.
//
// Started with TSRUNC_ZYGOTE_FD=<fd>: a SOCK_SEQPACKET socket to tsrunc, which sends one message
// per helper and gets one reply:
//   request   payload: the helper's environment, "NAME=value" strings each ended by '\0';
//             SCM_RIGHTS: the helper's fds 0..n-1, in order.
//   reply     payload: int32, the helper's pid, or -errno when it could not be made;
//             SCM_RIGHTS: a pidfd of the helper (with a pid).
// Each helper is cloned with CLONE_PARENT: tsrunc is its parent, reaps it and sees its exit status,
// as for one it spawned. End-of-file on the socket (tsrunc exited) ends the zygote.
#pragma once

// Serves requests; returns only in a forked helper, whose fds and environment are in place.
void zygote_serve(int fd);
