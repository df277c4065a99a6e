// O_NONBLOCK belongs to an open file description, shared with every process that holds it (Node's
// own stdout on a pipe and a container's): clearing it is one rule for setBlocking, spawnHelper and
// the fork server's requests.
#pragma once
#include <fcntl.h>

/** Clears O_NONBLOCK on fd (nothing to do when it is not set); false, with errno, when fcntl fails. */
inline bool ClearNonBlock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  return (flags & O_NONBLOCK) == 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0;
}
