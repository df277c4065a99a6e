#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tsrunc {

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool readFile(const std::string& path, std::string& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

bool writeAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int writeExisting(const std::string& file, const std::string& value) {
  int fd = open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = writeAll(fd, value) ? 0 : errno;
  close(fd);
  return err;
}

int removeTree(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return errno == ENOENT ? 0 : errno;
  std::vector<std::pair<std::string, bool>> entries;
  while (struct dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    entries.emplace_back(dir + "/" + e->d_name, e->d_type == DT_DIR);
  }
  closedir(d);
  for (const auto& [p, isDir] : entries) {
    int err = isDir ? removeTree(p) : (unlink(p.c_str()) == 0 || errno == ENOENT ? 0 : errno);
    if (err) return err;
  }
  return rmdir(dir.c_str()) == 0 || errno == ENOENT ? 0 : errno;
}

std::vector<long> procsOf(const std::string& dir, const char* file) {
  std::vector<long> pids;
  std::string text;
  if (!readFile(dir + "/" + file, text)) return pids;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty()) pids.push_back(std::stol(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return pids;
}

std::string errnoText(int err) {
  // libuv's texts (what Node's fs errors say), for the errors these verbs can meet.
  static const struct { int err; const char* name; const char* text; } known[] = {
      {ENOENT, "ENOENT", "no such file or directory"}, {EACCES, "EACCES", "permission denied"},
      {EPERM, "EPERM", "operation not permitted"},     {EBUSY, "EBUSY", "resource busy or locked"},
      {EEXIST, "EEXIST", "file already exists"},       {ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
      {EINVAL, "EINVAL", "invalid argument"},          {EIO, "EIO", "i/o error"},
      {ENOSPC, "ENOSPC", "no space left on device"},   {EROFS, "EROFS", "read-only file system"},
      {ESRCH, "ESRCH", "no such process"},             {ENOTDIR, "ENOTDIR", "not a directory"},
      {EISDIR, "EISDIR", "illegal operation on a directory"}, {ELOOP, "ELOOP", "too many symbolic links encountered"},
      {EAGAIN, "EAGAIN", "resource temporarily unavailable"}, {EMFILE, "EMFILE", "too many open files"},
  };
  for (const auto& k : known) {
    if (k.err == err) return std::string(k.name) + ": " + k.text;
  }
  return std::string("E") + std::to_string(err) + ": " + strerror(err);
}

std::string systemMessage(const std::string& what, int err) { return what + ": " + errnoText(err); }

std::string cgroupMessage(const std::string& action, const std::string& file, const std::string& why) {
  return "cgroup: cannot " + action + " " + file + ": " + why;
}

void sleepMs(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

long long nowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int pidfdOpen(long pid) { return static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)); }

bool waitReadable(const std::vector<int>& fds, int timeoutMs, bool priority) {
  std::vector<struct pollfd> pfds;
  for (int fd : fds) pfds.push_back({fd, static_cast<short>(priority ? POLLPRI : POLLIN), 0});
  long long deadline = nowMs() + timeoutMs;
  size_t ready = 0;
  while (ready < pfds.size()) {
    long long left = deadline - nowMs();
    if (left <= 0) return false;
    int n = poll(pfds.data(), pfds.size(), static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (priority && n > 0) return true;
    for (auto& p : pfds) {
      if (p.fd >= 0 && p.revents) {
        ready++;
        p.fd = -1;  // poll() ignores it from now on
      }
      p.revents = 0;
    }
  }
  return true;
}

}  // namespace tsrunc
