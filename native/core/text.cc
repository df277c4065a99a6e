// Ids, signal names, JSON strings and the UTC time of log lines: each as the TypeScript side
// decides it (src/state/id.ts, src/process/signals.ts, JSON.stringify, src/utc-time.ts).
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core.h"

namespace tsrunc {

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 1024 || id[0] == '.') return false;
  for (unsigned char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.')) return false;
  }
  return true;
}

namespace {
// Node's os.constants.signals on Linux (what parseSignal looks names up in).
const struct { const char* name; int number; } kSignals[] = {
    {"SIGHUP", 1},     {"SIGINT", 2},     {"SIGQUIT", 3},   {"SIGILL", 4},     {"SIGTRAP", 5},   {"SIGABRT", 6},
    {"SIGIOT", 6},     {"SIGBUS", 7},     {"SIGFPE", 8},    {"SIGKILL", 9},    {"SIGUSR1", 10},  {"SIGSEGV", 11},
    {"SIGUSR2", 12},   {"SIGPIPE", 13},   {"SIGALRM", 14},  {"SIGTERM", 15},   {"SIGCHLD", 17},  {"SIGSTKFLT", 16},
    {"SIGCONT", 18},   {"SIGSTOP", 19},   {"SIGTSTP", 20},  {"SIGTTIN", 21},   {"SIGTTOU", 22},  {"SIGURG", 23},
    {"SIGXCPU", 24},   {"SIGXFSZ", 25},   {"SIGVTALRM", 26}, {"SIGPROF", 27},  {"SIGWINCH", 28}, {"SIGIO", 29},
    {"SIGPOLL", 29},   {"SIGPWR", 30},    {"SIGSYS", 31},
};
constexpr int kSigRtMax = 64;
}  // namespace

int parseSignal(const std::string& input) {
  // JavaScript's trim() also strips Unicode spaces: input with any non-ASCII byte is left to Node.
  for (unsigned char c : input) {
    if (c >= 0x80) return -1;
  }
  size_t b = input.find_first_not_of(" \t\n\v\f\r");
  if (b == std::string::npos) return -1;
  size_t e = input.find_last_not_of(" \t\n\v\f\r");
  std::string s = input.substr(b, e - b + 1);
  bool digits = true;
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    size_t i = s.find_first_not_of('0');
    std::string sig = i == std::string::npos ? "0" : s.substr(i);
    if (sig.size() > 2) return -1;
    int n = std::stoi(sig);
    return n <= kSigRtMax ? n : -1;
  }
  std::string name;
  for (char c : s) name += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  if (name.rfind("SIG", 0) != 0) name = "SIG" + name;
  for (const auto& sig : kSignals) {
    if (name == sig.name) return sig.number;
  }
  return -1;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void crashPoint(const char* step) {
  const char* target = getenv("TSRUNC_TEST_STOP_AT");
  if (target && strcmp(target, step) == 0) kill(getpid(), SIGKILL);
}

std::string utcNow() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
void writeAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // best effort: the exit code still tells the story
    done += static_cast<size_t>(n);
  }
}
}  // namespace

void writeLogLine(const std::string& level, const std::string& msg, const std::string& format, const std::string& logPath) {
  const std::string time = utcNow();
  const std::string line = format == "json"
      ? "{\"level\":" + jsonString(level) + ",\"msg\":" + jsonString(msg) + ",\"time\":\"" + time + "\"}\n"
      : "time=\"" + time + "\" level=" + level + " msg=" + jsonString(msg) + "\n";
  if (logPath.empty()) {
    writeAll(2, line);
    return;
  }
  // Appended (never truncated), and not through a symlink at the log's own name: the log's
  // directory is the caller's, and a planted link would have tsrunc append lines to whatever file
  // it names (runc follows it).
  int fd = open(logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0) {
    writeAll(fd, line);
    close(fd);
  }
  if (level == "error") writeAll(2, msg + "\n");
}

}  // namespace tsrunc
