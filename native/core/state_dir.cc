// The state directory protocol of src/state/store.ts, for the native verbs: the same files
// (<root>/<id>/state.json, exec.fifo, lock), the same lock (an exclusive flock on `lock`, counted
// only while the file held is still the one at the path: a delete may have removed it, and a
// create made a new one, while we waited) and the same checks of what the state file holds.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "core.h"
#include "util.h"

namespace tsrunc {

ContainerDir::ContainerDir(std::string root, std::string id)
    : root_(std::move(root)), id_(std::move(id)), dir_(root_ + "/" + id_) {}

ContainerDir::~ContainerDir() { unlock(); }

void ContainerDir::unlock() {
  if (lockFd_ >= 0) close(lockFd_);
  lockFd_ = -1;
}

ContainerDir::Open ContainerDir::open() {
  const std::string file = dir_ + "/lock";
  for (;;) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return errno == ENOENT ? Open::NotFound : Open::Other;
    int r;
    do r = flock(fd, LOCK_EX);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
      close(fd);
      return Open::Other;
    }
    struct stat held, now;
    if (fstat(fd, &held) != 0) {
      close(fd);
      return Open::Other;
    }
    if (stat(file.c_str(), &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev) {
      lockFd_ = fd;
      break;
    }
    close(fd);
    if (!exists(file)) return Open::NotFound;
  }
  if (!exists(stateFile())) {
    unlock();
    return Open::NotFound;
  }
  return Open::Ok;
}

bool ContainerDir::read(json& out) const {
  std::string text;
  if (!readFile(stateFile(), text)) return false;
  try {
    out = json::parse(text);
  } catch (...) {
    return false;
  }
  return stateProblem(out, id_).empty();
}

bool ContainerDir::remove(std::string& error) {
  // The state file first: whoever gets the lock after us finds no container (see open()).
  if (unlink(stateFile().c_str()) != 0 && errno != ENOENT) {
    error = systemMessage("cannot remove state directory " + dir_, errno);
    unlock();
    return false;
  }
  crashPoint("delete:state");
  // A command that opens the lock meanwhile creates the lock file again (O_CREAT): the last rmdir
  // then fails with ENOTEMPTY; what it made is removed and the rmdir tried again.
  for (int attempt = 1;; attempt++) {
    int err = removeTree(dir_);
    if (err == 0) break;
    if (err != ENOTEMPTY || attempt >= 100) {
      error = systemMessage("cannot remove state directory " + dir_, err);
      unlock();
      return false;
    }
  }
  unlock();
  return true;
}

namespace {
bool isObject(const json& v) { return v.is_object(); }

// path.isAbsolute(p) && path.normalize(p) === p && no ".." component.
bool isCleanAbsolute(const json& v) {
  if (!v.is_string()) return false;
  const std::string p = v.get<std::string>();
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  size_t start = 1;
  for (;;) {
    size_t slash = p.find('/', start);
    std::string part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

bool isSafeInteger(const json& v) {
  if (v.is_number_integer()) {
    long long n = v.is_number_unsigned() ? static_cast<long long>(std::min<unsigned long long>(v.get<unsigned long long>(), 1ULL << 62)) : v.get<long long>();
    return n <= 9007199254740991LL && n >= -9007199254740991LL;
  }
  return false;  // a float (even 5.0): left to Node, which owns the rare forms
}
}  // namespace

std::string stateProblem(const json& v, const std::string& id) {
  if (!isObject(v)) return "it is not a JSON object";
  if (!v.contains("id") || !v["id"].is_string() || v["id"].get<std::string>() != id) return "it names another container";
  for (const char* key : {"ociVersion", "pidStartTime", "bundle", "rootfs", "created", "owner"}) {
    if (!v.contains(key) || !v[key].is_string()) return std::string("\"") + key + "\" is not a string";
  }
  if (!v.contains("pid") || !isSafeInteger(v["pid"]) || v["pid"].get<long long>() < 0) return "\"pid\" is not a pid";
  if (v["pid"].get<long long>() > 0 && v["pidStartTime"].get<std::string>().empty()) return "\"pid\" has no start time";
  if (!v.contains("annotations") || !isObject(v["annotations"])) return "\"annotations\" is not an object";
  if (!v.contains("config") || !isObject(v["config"])) return "\"config\" is not an object";
  if (v.contains("cgroup")) {
    const json& c = v["cgroup"];
    if (!isObject(c) || !c.contains("dir") || !isCleanAbsolute(c["dir"]) || !c.contains("created") || !c["created"].is_boolean()) return "\"cgroup\" is not a cgroup record";
    if (c.contains("v1")) {
      const json& v1 = c["v1"];
      if (!isObject(v1) || !v1.contains("dirs") || !isObject(v1["dirs"]) || !v1.contains("made") || !v1["made"].is_array()) return "\"cgroup.v1\" is not a cgroup record";
      for (const auto& d : v1["dirs"].items()) {
        if (!isCleanAbsolute(d.value())) return "\"cgroup.v1\" names a path that is not a cgroup of it";
      }
      for (const auto& m : v1["made"]) {
        bool found = false;
        for (const auto& d : v1["dirs"].items()) found = found || d.value() == m;
        if (!found) return "\"cgroup.v1\" names a path that is not a cgroup of it";
      }
    }
    // The systemd record is checked by Node: every systemd container is handed to it.
  }
  return "";
}

bool writeFileAtomic(const std::string& file, const std::string& text, std::string& error) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; attempt++) {
    tmp = file + "." + std::to_string(getpid()) + ".";
    if (attempt > 0) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      tmp += std::to_string(ts.tv_sec * 1000000000LL + ts.tv_nsec) + ".";
    }
    tmp += "tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && (errno != EEXIST || attempt >= 8)) {
      error = systemMessage("cannot write " + file, errno);
      return false;
    }
  }
  bool ok = writeAll(fd, text);
  int err = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), file.c_str()) == 0) return true;
  if (ok) err = errno;
  unlink(tmp.c_str());
  error = systemMessage("cannot write " + file, err);
  return false;
}

namespace {
bool isOctal(const std::string& s, size_t i) {
  for (size_t k = i; k < i + 3; k++) {
    if (s[k] < '0' || s[k] > '7') return false;
  }
  return true;
}

// /proc/self/mountinfo escapes space, tab, newline and backslash as octal.
std::string unescapeMountPoint(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && isOctal(s, i + 1)) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::vector<std::string> mountsUnder(const std::string& dir) {
  std::vector<std::string> found;
  std::string text;
  if (!readFile("/proc/self/mountinfo", text)) return found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string f;
    for (int i = 0; i < 5 && fields >> f; i++) {
      if (i == 4) {
        std::string p = unescapeMountPoint(f);
        if (p == dir || p.rfind(dir + "/", 0) == 0) found.push_back(p);
      }
    }
  }
  return found;
}

}  // namespace tsrunc
