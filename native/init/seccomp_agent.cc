#include "seccomp_agent.h"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"
#include "scm_rights.h"

namespace {
const char* const kPointer = "/linux/seccomp/listenerPath";
}

int connect_agent(const std::string& path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw SetupError("seccomp agent socket path too long: " + path, ENAMETOOLONG, kPointer);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("seccomp agent: socket", kPointer);
  if (connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) {
    int e = errno;
    close(fd);
    fail_errno("connect to the seccomp agent at " + path, kPointer, e);
  }
  return fd;
}

void send_to_agent(int agent, int notifyFd, int pid, const std::string& metadata, const std::string& state) {
  nlohmann::json msg = {{"ociVersion", "1.0.2"}, {"fds", {"seccompFd"}}, {"pid", pid}, {"metadata", metadata},
                        {"state", nlohmann::json::parse(state, nullptr, false)}};
  std::string text = msg.dump();
  const ssize_t n = OneFdMessage(text.data(), text.size()).send(agent, notifyFd);
  int e = errno;
  close(notifyFd);
  close(agent);
  if (n != static_cast<ssize_t>(text.size())) fail_errno("send the seccomp state to the agent", kPointer, n < 0 ? e : EIO);
}
