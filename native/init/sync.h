// The sync socket between tsrunc (Node) and tsrunc-init: one JSON document per line.
//
//   tsrunc -> stage-0 : {"plan":..., "fifoFd":N, "wait":bool, "preserveFds":N}
//   stage-0 -> tsrunc : {"type":"pid","pid":HOSTPID}          the init exists (namespaces made)
//   tsrunc -> init    : {"type":"go","states":{"creating":S,"created":S}}
//                                                              host-side setup done, state saved;
//                                                              S: state JSON for in-container hooks
//   init -> tsrunc    : {"type":"hooks"}                      (only with prestart/createRuntime hooks)
//   tsrunc -> init    : {"type":"resume"}                     mounts done; tsrunc ran those hooks
//   init -> tsrunc    : {"type":"ready"}                      rootfs built; now waiting for start
//                   or  {"type":"error","message":..,"errno":..,"pointer":..}
//
// If tsrunc goes away before "go", the init reads EOF and exits: no orphan is left blocked.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

// The state JSON handed to createContainer / startContainer hooks on stdin.
struct HookStates {
  std::string creating, created;
  int pid = 0;  // the init's pid as the host sees it
};

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
  HookStates wait_go();
  // Tells tsrunc to run its prestart/createRuntime hooks and waits until it has.
  void pause_for_runtime_hooks();

 private:
  void write_all(const std::string& s);
  // The next message, which must be of `type`.
  nlohmann::json expect(const char* type);
  int fd_;
  std::string buffer_;
};
