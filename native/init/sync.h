// The sync socket between tsrunc (Node) and tsrunc-init: one JSON document per line.
//
//   tsrunc -> stage-0 : {"plan":..., "fifoFd":N, "wait":bool, "preserveFds":N}
//   stage-0 -> tsrunc : {"type":"pid","pid":HOSTPID}          the init exists (namespaces made)
//   tsrunc -> init    : {"type":"go"}                         host-side setup done, state saved
//   init -> tsrunc    : {"type":"ready"}                      rootfs built; now waiting for start
//                   or  {"type":"error","message":..,"errno":..,"pointer":..}
//
// If tsrunc goes away before "go", the init reads EOF and exits: no orphan is left blocked.
#pragma once
#include <string>

class SyncSocket {
 public:
  explicit SyncSocket(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  // Reads one line (without the newline). Returns false on EOF.
  bool read_line(std::string& line);
  void send_pid(int pid);
  void send_ready();
  void send_error(const std::string& message, int err, const std::string& pointer);
  // Waits for {"type":"go"}; throws SetupError on EOF or anything else.
  void wait_go();

 private:
  void write_all(const std::string& s);
  int fd_;
  std::string buffer_;
};
