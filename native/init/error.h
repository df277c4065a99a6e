// Errors inside tsrunc-init. A failing step throws SetupError; main() turns it into one
// {"type":"error"} message on the sync socket and exits non-zero. The TypeScript side turns that
// message into a typed error carrying the JSON pointer of the config field involved.
#pragma once
#include <cerrno>
#include <stdexcept>
#include <string>

struct SetupError : std::runtime_error {
  int err;              // errno, 0 when not a syscall failure
  std::string pointer;  // JSON pointer into config.json, "" when none applies
  SetupError(const std::string& msg, int e = 0, std::string ptr = "")
      : std::runtime_error(msg), err(e), pointer(std::move(ptr)) {}
};

// Throws SetupError for a failed syscall: "<what>: <strerror>".
[[noreturn]] void fail_errno(const std::string& what, const std::string& pointer = "", int e = errno);
