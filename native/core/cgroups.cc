// See cgroups.h. Each function is the one of src/cgroups/{frozen,cgroupfs}.ts, v1/manager.ts and
// v2/manager.ts of the same name, for the records kill and delete act on.
#include "cgroups.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util.h"

namespace tsrunc::cgroups {

namespace {
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r\v\f");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n\r\v\f") - b + 1);
}

bool hasController(const std::string& key, const std::string& controller) {
  size_t start = 0;
  for (;;) {
    size_t comma = key.find(',', start);
    if (key.substr(start, comma == std::string::npos ? std::string::npos : comma - start) == controller) return true;
    if (comma == std::string::npos) return false;
    start = comma + 1;
  }
}

void signalPids(const std::vector<long>& list, int signal) {
  for (long pid : list) kill(static_cast<pid_t>(pid), signal);  // one that exited meanwhile: no error
}

/** setFrozenV1(record, frozen) of v1/manager.ts: write, then wait for the state; "" or an error. */
std::string setFrozenV1(const json& record, bool frozen, int timeoutMs = 5000) {
  const std::string dir = v1DirOf(record, "freezer");
  if (dir.empty()) return cgroupMessage("freeze", record["dir"].get<std::string>(), "this host has no freezer controller in cgroup v1");
  const std::string file = dir + "/freezer.state";
  const std::string want = frozen ? "FROZEN" : "THAWED";
  long long deadline = nowMs() + timeoutMs;
  for (;;) {
    if (int err = writeExisting(file, want)) return cgroupMessage("write \"" + want + "\" to", file, errnoText(err));
    for (int i = 0; i < 20; i++) {
      std::string text;
      if (!readFile(file, text)) return cgroupMessage("read", file, errnoText(errno));
      if (trim(text) == want) return "";
      sleepMs(std::min(1 << i, 20));
    }
    if (nowMs() > deadline) return cgroupMessage(frozen ? "freeze" : "thaw", dir, "freezer.state did not become " + want + " within " + std::to_string(timeoutMs) + " ms");
    if (frozen) writeExisting(file, "THAWED");  // a stalled freeze is thawed and retried, as runc does
  }
}

/** The cgroup2 equivalent for a v1 record with no freezer: not handled here. */
bool removeChildCgroups(const std::string& dir, long long deadline, std::string& error);

bool waitEmptier(const std::string& dir, int leftMs) {
  std::vector<int> fds;
  for (long pid : procsOf(dir)) {
    int fd = pidfdOpen(pid);
    if (fd >= 0) fds.push_back(fd);
  }
  if (!fds.empty()) {
    waitReadable(fds, std::max(leftMs, 1));
    for (int fd : fds) close(fd);
    return true;
  }
  int events = open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
  if (events < 0) return false;  // cgroup v1
  std::string text;
  // Read after opening: a change between the read and the poll still wakes the poll.
  char buf[512];
  ssize_t n = read(events, buf, sizeof buf);
  if (n > 0) text.assign(buf, static_cast<size_t>(n));
  if (text.find("populated 1") != std::string::npos) waitReadable({events}, std::max(leftMs, 1), true);
  close(events);
  return true;
}

/** removeCgroupDir of cgroupfs.ts: rmdir once the last process is gone (EBUSY until then). */
std::string removeCgroupDir(const std::string& dir, int timeoutMs = 2000) {
  long long deadline = nowMs() + timeoutMs;
  for (int delay = 1;; delay = std::min(delay * 2, 50)) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return "";
    int err = errno;
    if (err != EBUSY || nowMs() > deadline) return cgroupMessage("remove", dir, errnoText(err));
    std::string error;
    if (removeChildCgroups(dir, deadline, error)) {
      if (!error.empty()) return error;
      continue;
    }
    if (!waitEmptier(dir, static_cast<int>(deadline - nowMs()))) sleepMs(delay);
  }
}

bool removeChildCgroups(const std::string& dir, long long deadline, std::string& error) {
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  std::vector<std::string> children;
  while (struct dirent* e = readdir(d)) {
    if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) children.push_back(dir + "/" + e->d_name);
  }
  closedir(d);
  for (const auto& child : children) {
    error = removeCgroupDir(child, static_cast<int>(std::max(deadline - nowMs(), 1LL)));
    if (!error.empty()) return true;
  }
  return !children.empty();
}
}  // namespace

std::string v1DirOf(const json& record, const std::string& controller) {
  if (!record.contains("v1")) return "";
  for (const auto& d : record["v1"]["dirs"].items()) {
    if (!d.key().empty() && hasController(d.key(), controller)) return d.value().get<std::string>();
  }
  return "";
}

bool isFrozen(const json& record) {
  std::string text;
  if (record.contains("v1")) {
    const std::string dir = v1DirOf(record, "freezer");
    return !dir.empty() && readFile(dir + "/freezer.state", text) && trim(text) == "FROZEN";
  }
  return readFile(record["dir"].get<std::string>() + "/cgroup.freeze", text) && trim(text) == "1";
}

std::vector<std::string> dirs(const json& record) {
  std::vector<std::string> out;
  if (record.contains("v1")) {
    for (const auto& d : record["v1"]["dirs"].items()) out.push_back(d.value().get<std::string>());
  } else {
    out.push_back(record["dir"].get<std::string>());
  }
  return out;
}

std::vector<long> pids(const json& record) {
  if (record.contains("v1")) {
    const std::string freezer = v1DirOf(record, "freezer");
    return procsOf(freezer.empty() ? record["dir"].get<std::string>() : freezer);
  }
  return procsOf(record["dir"].get<std::string>());
}

std::string signalAll(const json& record, int signal) {
  if (record.contains("v1")) {
    const std::string freezer = v1DirOf(record, "freezer");
    if (!exists(freezer.empty() ? record["dir"].get<std::string>() : freezer)) return "";
    // signalAllV1: freeze, signal every task, thaw (a fork meanwhile cannot escape the signal).
    if (pids(record).empty()) return "";
    const bool hasFreezer = !freezer.empty();
    const bool wasFrozen = hasFreezer && isFrozen(record);
    if (hasFreezer && !wasFrozen) {
      std::string e = setFrozenV1(record, true);
      if (!e.empty()) return e;
    }
    signalPids(pids(record), signal);
    if (hasFreezer && (!wasFrozen || signal == SIGKILL)) return setFrozenV1(record, false);
    return "";
  }
  const std::string dir = record["dir"].get<std::string>();
  if (!exists(dir)) return "";
  const int err = signalAllV2(dir, signal);
  return err == 0 ? "" : cgroupMessage("kill every process of", dir, errnoText(err));
}

int signalAllV2(const std::string& dir, int signal) {
  if (signal == SIGKILL) {
    const int err = writeExisting(dir + "/cgroup.kill", "1");
    // Done; or the cgroup was removed while the file was open (ENODEV): nobody is left to kill.
    if (err == 0 || err == ENODEV) return 0;
    // One by one below only where cgroup.kill is not there (kernel < 5.14, or the cgroup itself
    // is gone: ENOENT) or not for this cgroup (a threaded one: EOPNOTSUPP). Anything else is an
    // error of its own, not an old kernel: the caller reports it with this errno.
    if (err != ENOENT && err != EOPNOTSUPP) return err;
  }
  // A threaded cgroup has no readable cgroup.procs (EOPNOTSUPP): its threads' ids, each of which
  // kill(2) takes for its whole process, are in cgroup.threads.
  std::vector<long> tasks = procsOf(dir);
  if (tasks.empty()) tasks = procsOf(dir, "cgroup.threads");
  signalPids(tasks, signal);
  return 0;
}

std::string letKillLand(const json& record, int signal) {
  if (record.contains("v1") && signal == SIGKILL && isFrozen(record)) return setFrozenV1(record, false);
  return "";
}

std::string remove(const json& record) {
  if (record.contains("v1")) {
    // The cgroup2 one first: its cgroup.events says when the last (even unreaped) task is gone.
    std::string unified = record["v1"]["dirs"].contains("") ? record["v1"]["dirs"][""].get<std::string>() : "";
    std::vector<std::string> made;
    for (const auto& m : record["v1"]["made"]) {
      if (m.get<std::string>() == unified) made.insert(made.begin(), unified);
      else made.push_back(m.get<std::string>());
    }
    for (const auto& dir : made) {
      std::string e = removeCgroupDir(dir);
      if (!e.empty()) return e;
    }
    return "";
  }
  return record["created"].get<bool>() ? removeCgroupDir(record["dir"].get<std::string>()) : "";
}

}  // namespace tsrunc::cgroups
