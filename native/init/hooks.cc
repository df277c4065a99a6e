#include "hooks.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "error.h"
#include "fd.h"

namespace {

constexpr size_t kMaxOutput = 4096;  // what a failing hook said, quoted in the error

long long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

[[noreturn]] void exec_hook(const HookPlan& h, int in, int out, mode_t mask) {
  umask(mask);
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  // The init's own fds (sync socket, FIFO, rootfs) are no business of a hook.
  syscall(SYS_close_range, 3U, ~0U, 0);
  std::vector<char*> argv, envp;
  for (const std::string& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
  if (argv.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(h.path.c_str(), argv.data(), envp.data());
  dprintf(2, "exec %s: %s", h.path.c_str(), strerror(errno));
  _exit(127);
}

// A forked hook: killed and reaped if we leave before waiting for it (a throw), so no zombie or
// stray hook outlives the failure.
struct Child {
  pid_t pid;
  explicit Child(pid_t p) : pid(p) {}
  ~Child() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  // waitpid until it exits; from then on the destructor has nothing to do.
  int reap() {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    return status;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
};

void run_hook(const HookPlan& h, const std::string& state, mode_t mask) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0) fail_errno("pipe for hook " + h.path, h.pointer);
  Fd inRead(in[0]), inWrite(in[1]);
  if (pipe2(out, O_CLOEXEC) < 0) fail_errno("pipe for hook " + h.path, h.pointer);
  Fd output(out[0]), outWrite(out[1]);
  pid_t forked = fork();
  if (forked < 0) fail_errno("fork hook " + h.path, h.pointer);
  if (forked == 0) exec_hook(h, inRead.fd, outWrite.fd, mask);
  Child child(forked);
  const pid_t pid = forked;
  inRead.reset();
  outWrite.reset();
  {
    // The state is small (far below a pipe's buffer), so this write does not block. A hook
    // that exits without reading it gives EPIPE, which is not an error of ours.
    // SIGPIPE is ignored only for this write: an ignored disposition would survive into the
    // container process's execve.
    struct sigaction ignore = {}, old = {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old);
    ssize_t n = write(inWrite.fd, state.data(), state.size());
    (void)n;
    sigaction(SIGPIPE, &old, nullptr);
    inWrite.reset();
  }
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.fd < 0) fail_errno("pidfd_open for hook " + h.path, h.pointer);
  std::string said;
  const long long deadline = h.timeout > 0 ? now_ms() + h.timeout * 1000LL : -1;
  bool exited = false, timedOut = false;
  while (!exited) {
    struct pollfd fds[2] = {{pidfd.fd, POLLIN, 0}, {output.fd, POLLIN, 0}};
    int wait = deadline < 0 ? -1 : static_cast<int>(std::max(0LL, deadline - now_ms()));
    int n = poll(fds, output.fd >= 0 ? 2 : 1, wait);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("poll hook " + h.path, h.pointer);
    if (n == 0) {
      timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    if (fds[1].revents) {
      char buf[1024];
      ssize_t r = read(output.fd, buf, sizeof buf);
      if (r > 0 && said.size() < kMaxOutput) said.append(buf, std::min<size_t>(r, kMaxOutput - said.size()));
      if (r <= 0) {
        output.reset();
      }
    }
    if (fds[0].revents) exited = true;
  }
  const int status = child.reap();
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  const std::string tail = said.empty() ? "" : ": " + said;
  // The one wording of a hook failure, wherever it ran (the runtime's hooks come here too, see
  // serve_runtime_hooks): "<kind> hook <path> <how>"; tsrunc appends the pointer (/hooks/<kind>/<i>).
  const size_t kindEnd = h.pointer.rfind('/');
  const std::string kind = h.pointer.size() > 7 && kindEnd > 7 ? h.pointer.substr(7, kindEnd - 7) : "";
  const std::string what = kind + " hook " + h.path + " ";
  if (timedOut) throw SetupError(what + "timed out after " + std::to_string(h.timeout) + "s" + tail, ETIMEDOUT, h.pointer);
  if (WIFSIGNALED(status))
    throw SetupError(what + "killed by signal " + std::to_string(WTERMSIG(status)) + tail, 0, h.pointer);
  if (WEXITSTATUS(status) != 0)
    throw SetupError(what + "exited with status " + std::to_string(WEXITSTATUS(status)) + tail, 0, h.pointer);
}

}  // namespace

void run_hooks(const std::vector<HookPlan>& hooks, const std::string& state, mode_t mask) {
  for (const HookPlan& h : hooks) run_hook(h, state, mask);
}

int serve_runtime_hooks() {
  std::string input;
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    input.append(buf, static_cast<size_t>(n));
  }
  RuntimeHooks request;
  try {
    request = nlohmann::json::parse(input).get<RuntimeHooks>();
  } catch (const std::exception& e) {
    dprintf(2, "tsrunc-init: cannot read the hooks to run: %s\n", e.what());
    return 2;
  }
  const mode_t mask = umask(0);  // tsrunc's, inherited: the hooks get it back
  umask(mask);
  int status = 0;
  for (const HookPlan& h : request.hooks) {
    try {
      run_hook(h, request.state, mask);
    } catch (const SetupError& e) {
      status = 1;
      const nlohmann::json j = SyncError{"error", e.what(), e.err, e.pointer};
      const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (write(1, line.data(), line.size()) < 0) return 1;
      if (!request.keepGoing) break;
    }
  }
  return status;
}
