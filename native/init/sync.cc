#include "sync.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "error.h"

using nlohmann::json;

bool SyncSocket::read_line(std::string& line) {
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    char chunk[65536];
    ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("read sync socket");
    if (n == 0) return false;
    buffer_.append(chunk, n);
  }
}

void SyncSocket::write_all(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd_, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("write sync socket");
    off += n;
  }
}

void SyncSocket::send_pid(int pid) { write_all(json{{"type", "pid"}, {"pid", pid}}.dump() + "\n"); }

void SyncSocket::send_ready() { write_all("{\"type\":\"ready\"}\n"); }

void SyncSocket::send_error(const std::string& message, int err, const std::string& pointer) {
  // dump() with replace: a message may quote a path that is not valid UTF-8.
  json j{{"type", "error"}, {"message", message}, {"errno", err}, {"pointer", pointer}};
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  // Best effort: tsrunc may already be gone.
  ssize_t n;
  do n = write(fd_, s.data(), s.size()); while (n < 0 && errno == EINTR);
}

json SyncSocket::expect(const char* type) {
  std::string line;
  if (!read_line(line)) throw SetupError("tsrunc went away before the container was set up");
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || j.value("type", "") != type)
    throw SetupError(std::string("expected sync message '") + type + "', got: " + line);
  return j;
}

HookStates SyncSocket::wait_go() {
  json go = expect("go");
  HookStates states;
  if (go.contains("states")) {
    states.creating = go["states"].value("creating", "");
    states.created = go["states"].value("created", "");
  }
  states.pid = go.value("pid", 0);
  return states;
}

void SyncSocket::pause_for_runtime_hooks() {
  write_all("{\"type\":\"hooks\"}\n");
  expect("resume");
}
