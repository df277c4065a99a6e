#include "sync.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"

using nlohmann::json;

namespace {

std::string describe(SyncStep step) {
  return "step " + std::to_string(static_cast<int>(step)) + " (" + step_name(step) + ")";
}

// What was received instead, for the error: its step if it is one, else the raw line.
std::string describe_received(const json& j, const std::string& line) {
  if (j.is_object() && j.contains("type") && j["type"].is_string()) {
    const std::string type = j["type"];
    for (SyncStep s : kSyncSteps)
      if (type == step_name(s)) return describe(s);
    return "'" + type + "' (not a step of the protocol)";
  }
  return "a malformed message: " + line.substr(0, 200);
}

}  // namespace

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

json SyncSocket::expect(std::initializer_list<SyncStep> steps) {
  std::string wanted;
  for (SyncStep s : steps) wanted += (wanted.empty() ? "" : " or ") + describe(s);
  std::string line;
  if (!read_line(line))
    throw SetupError("tsrunc went away before sync " + wanted + " (the container was not set up)");
  const json j = json::parse(line, nullptr, false);
  const bool typed = j.is_object() && j.contains("type") && j["type"].is_string();
  for (SyncStep s : steps)
    if (typed && j["type"].get<std::string>() == step_name(s)) return j;
  throw SetupError("sync protocol: expected " + wanted + ", received " + describe_received(j, line));
}

HookStates SyncSocket::wait_go() {
  const SyncGo go = parse_message<SyncGo>(expect(SyncStep::Go), SyncStep::Go);  // sync step 3
  return HookStates{go.states.creating, go.states.created, go.pid};
}

void SyncSocket::pause_for_runtime_hooks() {
  send(SyncHooks{});          // sync step 4
  expect(SyncStep::Resume);   // sync step 5
}

void SyncSocket::send_error(const std::string& message, int err, const std::string& pointer) {
  // dump() with replace: a message may quote a path that is not valid UTF-8.
  const json j = SyncError{"error", message, err, pointer};
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  // MSG_NOSIGNAL: if tsrunc is gone, this is EPIPE (ignored), not a SIGPIPE death.
  ssize_t n;
  do n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
}
