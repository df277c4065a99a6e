// The sync protocol between tsrunc (src/runtime/sync-channel.ts, create.ts, start.ts) and
// tsrunc-init (main.cc). Each step below is marked `// sync step N` where it is sent and where it
// is received, on both sides, and the code handles them in this order.
//
// Before step 1, tsrunc spawns tsrunc-init (src/runtime/launch.ts) with
//   fd 0-2               the container's stdio
//   fd 3 .. 3+P-1        the fds the container keeps (P = LISTEN_FDS + --preserve-fds)
//   fd 3+P               the sync socket, named by $TSRUNC_SYNC_FD: a stream socket, one JSON
//                        document per line, each with a "type"
//   next fd, if any      $TSRUNC_FIFO_FD: O_PATH fd of <state dir>/exec.fifo
//   next fd, if any      $TSRUNC_CGROUP_FD: directory fd of the container's cgroup (the init is
//                        cloned into it); absent = no cgroup
// These fds travel by inheritance, never inside a message. Stage-0 first closes every fd above
// the last of them; the init closes the cgroup fd once cloned.
//
//  step  from -> to        message
//   1    tsrunc -> stage-0 {"type":"launch","plan":PLAN,"wait":BOOL,"preserveFds":P}
//                          stage-0 joins the existing namespaces and clones the init into the
//                          new ones (and into the cgroup)
//   2    stage-0 -> tsrunc {"type":"pid","pid":HOSTPID}
//                          the init exists. tsrunc saves state.json (pid + start time), so from
//                          here `delete --force` can clean up whatever happens. Stage-0 then
//                          exits, or with "wait" (foreground `run`) closes its copies of the
//                          socket and the FIFO fd and exits with the init's status.
//   3    tsrunc -> init    {"type":"go","pid":HOSTPID,"states":{"creating":S,"created":S}}
//                          host-side setup done. S: the state JSON for the createContainer /
//                          startContainer hooks; HOSTPID: the init's pid as the host sees it
//                          (the init cannot know it in a new pid namespace), for the seccomp agent
//   4    init -> tsrunc    {"type":"hooks"}     only when plan.runtimeHooks: mounts made, waiting
//   5    tsrunc -> init    {"type":"resume"}    only when plan.runtimeHooks: tsrunc ran the
//                                               prestart and createRuntime hooks
//   6    init -> tsrunc    {"type":"ready"}     rootfs built, every fd above 3+P-1 is close-on-exec;
//                                               both ends close the socket, `create` returns
//   in place of 2, 4 or 6 (the sender then exits non-zero):
//        -> tsrunc         {"type":"error","message":M,"errno":E,"pointer":JSON-POINTER}
//   Any other message than the one a step expects is an error naming both steps (tsrunc:
//   TsruncError code PROTOCOL; init: an "error" message). If tsrunc goes away before step 3 or 5,
//   the init reads EOF and exits: no orphan is left blocked.
//
// `tsrunc exec` (exec.h) has a shorter exchange on the same socket:
//   9    tsrunc -> stage-0 {"type":"exec","exec":EXECPLAN,"wait":BOOL,"preserveFds":P}  (its step 1)
//   2    stage-0 -> tsrunc {"type":"pid","pid":HOSTPID}   the exec'd process, forked
//   then end-of-file: the process exec'd (stage-0 closed its copy, the process's is close-on-exec),
//   or {"type":"error",...} from stage-0 or the process in place of either.
//   Before step 9 an fd may follow the others: $TSRUNC_CONSOLE_FD, the socket the pty master goes
//   to (process.terminal); create passes it the same way.
//
// After step 6 the exec FIFO carries the rest (main.cc wait_for_start, src/runtime/start.ts):
//   7    `tsrunc start` opens exec.fifo for reading (O_NONBLOCK); the init, blocked opening
//        /proc/self/fd/FIFO for writing, gets through and writes "0"
//   8    the init runs the startContainer hooks and execs the user's process. Its write end is
//        close-on-exec: `start` reads end-of-file after "0" exactly when the exec happened, then
//        removes the FIFO and runs the poststart hooks. A failure on the way instead writes the
//        record "e<message>" to the FIFO (and to stderr) and the init exits 127.
#pragma once
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "contract.gen.h"
#include "error.h"
#include "plan.gen.h"

// SyncStep, step_name() and the other constants both languages share are generated from
// src/plan/contract.json; each message is its plan.schema.json definition (Sync*), generated as a
// struct with its from_json/to_json (scripts/build-plan.js).
// A received message as its generated struct (SyncGo, SyncLaunch, SyncExec); SetupError naming
// the step when a field is missing, unknown or of another type.
template <class Message> Message parse_message(const nlohmann::json& j, SyncStep step) {
  try {
    return j.get<Message>();
  } catch (const std::exception& e) {  // json::exception, or the generated parser's own checks
    throw SetupError(std::string("sync protocol: malformed step ") + std::to_string(static_cast<int>(step)) + " (" +
                     step_name(step) + "): " + e.what());
  }
}

// The state JSON handed to createContainer / startContainer hooks on stdin.
struct HookStates {
  std::string creating, created;
  int pid = 0;  // the init's pid as the host sees it
};

class SyncSocket {
 public:
  explicit SyncSocket(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  // The next message, which must be `step`'s (or one of `steps`); throws SetupError on EOF or any
  // other message.
  nlohmann::json expect(SyncStep step) { return expect({step}); }
  nlohmann::json expect(std::initializer_list<SyncStep> steps);
  // Sends one of the generated messages (SyncPid, SyncHooks, SyncReady).
  template <class Message> void send(const Message& m) { write_all(nlohmann::json(m).dump() + "\n"); }
  // Step 3: waits for "go".
  HookStates wait_go();
  // Steps 4 and 5: tells tsrunc to run its prestart/createRuntime hooks and waits until it has.
  void pause_for_runtime_hooks();
  // In place of a step: best effort, tsrunc may already be gone.
  void send_error(const std::string& message, int err, const std::string& pointer);

 private:
  // Reads one line (without the newline). Returns false on EOF.
  bool read_line(std::string& line);
  void write_all(const std::string& s);
  int fd_;
  std::string buffer_;
};
