// state, kill, start and delete: src/runtime/{runtime,kill,start,delete}.ts, step for step, for
// the cases those verbs meet in a client's hands. Anything else is Result::handoff(), always
// before the first side effect, so the TypeScript implementation takes the command over intact.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "cgroups.h"
#include "core.h"
#include "util.h"

namespace tsrunc {

namespace {
/** The container's init is pid 1 of a pid namespace of its own (kill.ts hasOwnPidNs). */
bool hasOwnPidNs(const json& stored) {
  const json& config = stored["config"];
  if (!config.contains("linux") || !config["linux"].is_object()) return false;
  const json& lx = config["linux"];
  if (!lx.contains("namespaces") || !lx["namespaces"].is_array()) return false;
  for (const auto& n : lx["namespaces"]) {
    if (!n.is_object() || !n.contains("type") || n["type"] != "pid") continue;
    if (!n.contains("path") || (n["path"].is_string() && n["path"].get<std::string>().empty())) return true;
  }
  return false;
}

/** config.hooks[kind] holds a hook: the verb is Node's (hooks stay in one place). */
bool hasHooks(const json& stored, const char* kind) {
  const json& config = stored["config"];
  if (!config.contains("hooks")) return false;
  const json& hooks = config["hooks"];
  if (!hooks.is_object()) return true;  // not what a validated config holds: Node says what it is
  return hooks.contains(kind) && !(hooks[kind].is_array() && hooks[kind].empty());
}

/** A record Node alone handles: the systemd driver's. */
bool systemdCgroup(const json& stored) { return stored.contains("cgroup") && stored["cgroup"].contains("systemd"); }

long pidOf(const json& stored) { return stored["pid"].get<long>(); }
std::string startOf(const json& stored) { return stored["pidStartTime"].get<std::string>(); }

/** pidsInNamespaceOf (src/process/proc.ts). */
std::vector<long> pidsInNamespaceOf(long pid) {
  std::vector<long> out;
  char link[256];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), link, sizeof link);
  if (n <= 0) return out;
  const std::string ns(link, static_cast<size_t>(n));
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    char other[256];
    ssize_t m = readlink(("/proc/" + name + "/ns/pid").c_str(), other, sizeof other);
    if (m > 0 && std::string(other, static_cast<size_t>(m)) == ns) out.push_back(std::stol(name));
  }
  closedir(d);
  return out;
}

/** signalContainer (kill.ts): every process of the container. "" or an error. */
std::string signalContainer(const json& stored, int signal) {
  const bool hasCgroup = stored.contains("cgroup");
  if (hasCgroup && stored["cgroup"]["created"].get<bool>()) return cgroups::signalAll(stored["cgroup"], signal);
  std::vector<long> list = hasOwnPidNs(stored) ? pidsInNamespaceOf(pidOf(stored)) : std::vector<long>{pidOf(stored)};
  for (long pid : list) kill(static_cast<pid_t>(pid), signal);  // exited meanwhile: no error
  return hasCgroup ? cgroups::letKillLand(stored["cgroup"], signal) : "";
}

/** signalRecorded (process/wait.ts): 1 signalled, 0 not the recorded process, -errno on failure. */
int signalRecorded(long pid, const std::string& startTime, int signal) {
  if (!isSameLiveProcess(pid, startTime)) return 0;
  if (kill(static_cast<pid_t>(pid), signal) == 0) return 1;
  return errno == ESRCH ? 0 : -errno;
}

/** waitGone (process/wait.ts): on a pidfd, readable once the process exits. False on timeout. */
bool waitGone(long pid, const std::string& startTime, int timeoutMs = 10000) {
  int fd = pidfdOpen(pid);
  if (fd < 0) return true;
  bool gone = !isSameLiveProcess(pid, startTime) || waitReadable({fd}, timeoutMs);
  close(fd);
  return gone;
}

/**
 * A record this core knows every part of. A field added to StoredState later (as `hostMounts`, the
 * mounts of a container without a mount namespace, which delete detaches) is Node's until the
 * core learns it: a verb that acts on the container never ignores what the record asks of it.
 */
bool onlyKnownFields(const json& stored) {
  static const char* const known[] = {"ociVersion", "id", "pid", "pidStartTime", "bundle", "rootfs", "created", "owner", "annotations", "config", "cgroup"};
  for (const auto& item : stored.items()) {
    bool found = false;
    for (const char* k : known) found = found || item.key() == k;
    if (!found) return false;
  }
  return true;
}

/** Opens and reads the container; Handoff unless it is plainly there and plainly tsrunc's. */
enum class Opened { Ok, NotFound, Handoff };
Opened openAndRead(ContainerDir& dir, json& stored, bool acts = true) {
  switch (dir.open()) {
    case ContainerDir::Open::NotFound: return Opened::NotFound;
    case ContainerDir::Open::Other: return Opened::Handoff;
    case ContainerDir::Open::Ok: break;
  }
  if (!dir.read(stored) || systemdCgroup(stored) || (acts && !onlyKnownFields(stored))) return Opened::Handoff;
  return Opened::Ok;
}

std::string notFound(const std::string& id) { return "container " + id + " does not exist"; }

/** How state, kill and start end when the container is not plainly there (delete has its own rule). */
std::optional<Result> unlessOpened(Opened opened, const std::string& id) {
  switch (opened) {
    case Opened::NotFound: return Result::failed(notFound(id));
    case Opened::Handoff: return Result::handoff();
    case Opened::Ok: break;
  }
  return std::nullopt;
}
}  // namespace

Result stateVerb(const std::string& root, const std::string& id) {
  if (!validId(id)) return Result::handoff();
  ContainerDir dir(root, id);
  json stored;
  if (auto ended = unlessOpened(openAndRead(dir, stored, false), id)) return *ended;
  return Result::done(describeState(dir, stored));
}

Result killVerb(const std::string& root, const std::string& id, const std::string& signalName, bool all) {
  if (!validId(id)) return Result::handoff();
  const int signal = parseSignal(signalName);
  if (signal < 0) return Result::handoff();
  ContainerDir dir(root, id);
  json stored;
  if (auto ended = unlessOpened(openAndRead(dir, stored), id)) return *ended;
  if (deriveStatus(dir, stored) == "stopped") return Result::failed("container not running");
  crashPoint("kill:locked");
  if (all) {
    // Signal 0 ("is it alive?") delivers nothing, and the status just read answered it.
    if (signal != 0) {
      std::string e = signalContainer(stored, signal);
      if (!e.empty()) return Result::failed(e);
    }
    return Result::done();
  }
  int r = signalRecorded(pidOf(stored), startOf(stored), signal);
  if (r < 0) return Result::failed(systemMessage("cannot signal pid " + std::to_string(pidOf(stored)), -r));
  if (r == 0) return Result::failed("container not running");
  if (stored.contains("cgroup")) {
    std::string e = cgroups::letKillLand(stored["cgroup"], signal);
    if (!e.empty()) return Result::failed(e);
  }
  return Result::done();
}

Result startVerb(const std::string& root, const std::string& id) {
  if (!validId(id)) return Result::handoff();
  ContainerDir dir(root, id);
  json stored;
  if (auto ended = unlessOpened(openAndRead(dir, stored), id)) return *ended;
  const std::string status = deriveStatus(dir, stored);
  if (status == "stopped") return Result::failed("cannot start a container that has stopped");
  if (status != "created") return Result::failed("cannot start an already running container");
  if (hasHooks(stored, "poststart")) return Result::handoff();
  // sync step 7: opening the read side releases the init blocked opening its write side.
  const std::string fifo = dir.fifoPath();
  int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Result::handoff();
  crashPoint("start:opened");
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // sync step 8: "0", then end-of-file at its exec (its end is close-on-exec), or "e<message>".
  std::string said;
  long long deadline = nowMs() + 10000;
  for (int delay = 1;; delay = std::min(delay * 2, 20)) {
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Result::failed(systemMessage("cannot read " + fifo, err));
    }
    if (n > 0) {
      said.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (!said.empty()) break;
    // End-of-file before anything: the init has not reached its open of the FIFO yet.
    if (!isSameLiveProcess(pidOf(stored), startOf(stored))) {
      close(fd);
      return Result::failed("container init exited before it could be started");
    }
    if (nowMs() > deadline) {
      close(fd);
      return Result::failed("timed out waiting for the container init to start");
    }
    sleepMs(delay);
  }
  close(fd);
  crashPoint("start:released");
  if (unlink(fifo.c_str()) != 0) return Result::failed(systemMessage("cannot remove " + fifo, errno));
  size_t failure = said.find('e');
  if (failure != std::string::npos) return Result::failed(said.substr(failure + 1));
  crashPoint("start:poststart");  // (no poststart hook: Node runs those)
  return Result::done();
}

Result deleteVerb(const std::string& root, const std::string& id, bool force) {
  if (!validId(id)) return Result::handoff();
  ContainerDir dir(root, id);
  json stored;
  switch (openAndRead(dir, stored)) {
    case Opened::NotFound:
      // Clean-up paths call `delete --force` blindly: nothing there is success. A directory
      // without a state file (debris of a crash) is Node's to clear (store.ts removeStale).
      if (!force) return Result::failed(notFound(id));
      return exists(dir.dir()) ? Result::handoff() : Result::done();
    case Opened::Handoff: return Result::handoff();
    case Opened::Ok: break;
  }
  const long pid = pidOf(stored);
  // A "creating" record (a create killed half-way), a poststop hook, a mount someone put under
  // the state directory: Node's.
  if (pid == 0 || hasHooks(stored, "poststop") || !mountsUnder(dir.dir()).empty()) return Result::handoff();
  const std::string status = deriveStatus(dir, stored);
  if (status == "running" && !force) return Result::failed("cannot delete container " + id + " that is not stopped: running");
  const bool hasCgroup = stored.contains("cgroup");
  if (status != "stopped") {
    // A pid namespace of its own dies with its init: the kernel kills the rest.
    if (hasOwnPidNs(stored)) {
      int r = signalRecorded(pid, startOf(stored), SIGKILL);
      if (r < 0) return Result::failed(systemMessage("cannot signal pid " + std::to_string(pid), -r));
      if (hasCgroup) {
        std::string e = cgroups::letKillLand(stored["cgroup"], SIGKILL);  // a paused init dies only once thawed
        if (!e.empty()) return Result::failed(e);
      }
    } else {
      std::string e = signalContainer(stored, SIGKILL);
      if (!e.empty()) return Result::failed(e);
    }
    if (!waitGone(pid, startOf(stored))) return Result::failed("container " + id + " did not die after SIGKILL");
  }
  crashPoint("delete:killed");
  // The init is gone; what it left in a cgroup of our own goes too (a joined one stays).
  if (hasCgroup) {
    const json& cgroup = stored["cgroup"];
    bool intact = true;
    for (const auto& d : cgroups::dirs(cgroup)) intact = intact && exists(d);
    if (cgroup["created"].get<bool>() && intact) {
      std::string e = cgroups::signalAll(cgroup, SIGKILL);
      if (!e.empty()) return Result::failed(e);
    }
    std::string e = cgroups::remove(cgroup);
    if (!e.empty()) return Result::failed(e);
  }
  crashPoint("delete:cgroup");
  crashPoint("delete:hooks");  // (no poststop hook: Node runs those)
  std::string error;
  if (!dir.remove(error)) return Result::failed(error);
  return Result::done();
}

}  // namespace tsrunc
