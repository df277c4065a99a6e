// An owned file descriptor, closed when it goes out of scope.
#pragma once
#include <unistd.h>

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  // Closes it now rather than at the end of the scope.
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  Fd(Fd&& other) noexcept : fd(other.fd) { other.fd = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};
