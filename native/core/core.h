// The C++ core of the verbs clients call most: state, start, kill, delete. One implementation of
// the state directory protocol (src/state/store.ts's on-disk format and locking), the status
// derivation, signal names, the cgroup work of kill and delete, and runc's log lines. The native
// front-end (native/frontend/main.cc, the `tsrunc` on PATH) runs it without starting Node; the
// addon links the same code (native/addon/core.cc) for the TypeScript Runtime.
//
// A verb here never decides what it does not know: whatever needs Node (an OCI hook, the systemd
// driver, a state file that is not plainly tsrunc's, debris of a crash, an unusual error before
// anything was changed) is answered Outcome::Handoff *before any side effect*, and the caller
// hands the very same command to the TypeScript implementation, which owns those cases.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tsrunc {

using json = nlohmann::ordered_json;

enum class Outcome { Done, Handoff, Failed };

/** What a verb did: Done (with `output` for stdout), Handoff (nothing changed), Failed (`message`). */
struct Result {
  Outcome outcome = Outcome::Done;
  std::string output;
  std::string message;
  static Result done(std::string out = "") { return {Outcome::Done, std::move(out), ""}; }
  static Result handoff() { return {Outcome::Handoff, "", ""}; }
  static Result failed(std::string msg) { return {Outcome::Failed, "", std::move(msg)}; }
};

// --- ids, signals, time, JSON text -----------------------------------------------------------
/** validateId (src/state/id.ts): true when `id` is an id tsrunc accepts. */
bool validId(const std::string& id);
/** parseSignal (src/process/signals.ts); -1 for input it does not accept. */
int parseSignal(const std::string& input);
/** JSON.stringify of a string. */
std::string jsonString(const std::string& s);
/** utcTimestamp(now, {millis: false}): "YYYY-MM-DDTHH:MM:SSZ". */
std::string utcNow();
/**
 * runc's log contract (--log FILE --log-format text|json), the one implementation both the
 * front-end and the Node CLI (src/cli/log.ts, through the addon) use: the line is
 * `{"level","msg","time"}` in JSON or `time="..." level=... msg="..."` in text; it is appended to
 * `logPath` (never through a symlink at its own name) or, without one, written to stderr; an error
 * with a log also goes to stderr as the bare message, which is what a user at a terminal reads.
 */
void writeLogLine(const std::string& level, const std::string& msg, const std::string& format, const std::string& logPath);

/**
 * TEST ONLY (src/crash-point.ts): SIGKILLs this process if TSRUNC_TEST_STOP_AT names `step`, at the
 * same steps as the TypeScript verbs, so the torture suite's crash trials stop the native verbs
 * between the same two effects.
 */
void crashPoint(const char* step);

// --- processes -------------------------------------------------------------------------------
/** isSameLiveProcess (src/process/proc.ts): pid alive, not a zombie, with the recorded start time. */
bool isSameLiveProcess(long pid, const std::string& startTime);

// --- the state directory ---------------------------------------------------------------------
/** A container's state directory, locked (store.ts ContainerDir). Closing the fd drops the lock. */
class ContainerDir {
 public:
  enum class Open { Ok, NotFound, Other };
  ContainerDir(std::string root, std::string id);
  ~ContainerDir();
  ContainerDir(const ContainerDir&) = delete;
  ContainerDir& operator=(const ContainerDir&) = delete;
  /** ContainerDir.open: lock (re-checked against a delete + re-create meanwhile), then the state file. */
  Open open();
  /** read() + stateProblem(): false when the file is not plainly a tsrunc state of this id. */
  bool read(json& out) const;
  /** remove(): state.json first, then the rest; the lock goes with it. */
  bool remove(std::string& error);
  void unlock();
  const std::string& dir() const { return dir_; }
  std::string fifoPath() const { return dir_ + "/exec.fifo"; }
  std::string stateFile() const { return dir_ + "/state.json"; }

 private:
  std::string root_, id_, dir_;
  int lockFd_ = -1;
};

/** stateProblem (store.ts): empty when `v` is a state file tsrunc wrote for `id`. */
std::string stateProblem(const json& v, const std::string& id);
/** writeFileAtomic (store.ts): temp file O_CREAT|O_EXCL|O_NOFOLLOW 0600, then rename. */
bool writeFileAtomic(const std::string& file, const std::string& text, std::string& error);
/** Mount points at or under `dir` in this mount namespace (mounts-under.ts). */
std::vector<std::string> mountsUnder(const std::string& dir);

// --- status ----------------------------------------------------------------------------------
/**
 * The status of a container (src/runtime/status.ts deriveStatus calls this through the addon):
 * "created", "running", "paused" or "stopped". `cgroup`: its cgroup record, or nullptr.
 */
std::string containerStatus(long pid, const std::string& startTime, const std::string& fifo, const json* cgroup);
std::string deriveStatus(const ContainerDir& dir, const json& stored);
/** isFrozen (src/cgroups/frozen.ts calls this through the addon): the cgroup of `record` is frozen. */
bool cgroupFrozen(const json& record);
/** describe(): what `state` prints, as JSON.stringify(state, null, 2) writes it. */
std::string describeState(const ContainerDir& dir, const json& stored);

// --- verbs -----------------------------------------------------------------------------------
Result stateVerb(const std::string& root, const std::string& id);
Result killVerb(const std::string& root, const std::string& id, const std::string& signal, bool all);
Result startVerb(const std::string& root, const std::string& id);
Result deleteVerb(const std::string& root, const std::string& id, bool force);

}  // namespace tsrunc
