// containerd-shim-tsrunc-v2, the binary containerd runs (bin/containerd-shim-tsrunc-v2 links here).
//
// containerd runs `<shim> start` for every container. That command only has to name the socket
// of the shim that will serve the container, starting that shim if none serves the group yet.
// In Node it cost a whole Node start (~50 ms of CPU) per container; here it costs a fork-free
// process of a few hundred microseconds. So does a `delete` with nothing to clean up (see
// nothingToDelete). Every other role (the serving shim, a real `delete`, `-v`) is the TypeScript
// shim: this binary execs bin/containerd-shim-tsrunc-v2.js, whose #! line holds the Node flags.
//
// Grouping (README "containerd shim"; containerd's runtime/v2 contract: `start` "can either start
// a new shim or return an address to an existing shim"). The annotation org.tsrunc.shim.group, else
// TSRUNC_SHIM_GROUP in containerd's environment, says how:
//   pod        as runc's shim: the containers of a pod (io.kubernetes.cri.sandbox-id) share a shim,
//              any other container has its own;
//   namespace  one shim serves every container of the containerd namespace;
//   unset      pod for a pod's containers (a CRI pod stays the unit that fails together), namespace
//              for the others (ctr, nerdctl: no per-container Node start).
//
// The socket is runc's: /run/containerd/s/sha256(<address>/<namespace>/<group>). A lock file
// beside it (<socket>.lock, flock) orders `start` against a serving shim deciding to exit: `start`
// takes it, sees the shim listening, and counts a lease in the file (the shim stays until it has
// accepted as many connections, src/shim/lifetime.ts) before it prints the address; the exiting
// shim takes it, sees no pending lease, and removes socket and lock file before it lets go.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char kName[] = "containerd-shim-tsrunc-v2";
const char kSocketDir[] = "/run/containerd/s";
const char kGroupAnnotation[] = "org.tsrunc.shim.group";
const char kSandboxAnnotation[] = "io.kubernetes.cri.sandbox-id";
// A group name no container id can take (containerd ids start with a letter or digit).
const char kNamespaceGroup[] = "@namespace";

struct Flags {
  std::string ns, address, publishBinary, id, bundle;
  bool debug = false;
  std::string action;
};

[[noreturn]] void fail(const std::string& msg) {
  std::string line = std::string(kName) + ": " + msg + "\n";
  ssize_t n = write(2, line.data(), line.size());
  (void)n;
  _exit(1);
}

std::string errnoText(const std::string& what) { return what + ": " + strerror(errno); }

// The same Go flag syntax as src/shim/bootstrap.ts parseFlags (-name value, -name=value, --name).
Flags parseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg.empty() || arg[0] != '-') {
      f.action = arg;
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string value;
    bool inlineValue = false;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    if (name == "debug") {
      f.debug = !inlineValue || value == "true";
      continue;
    }
    std::string* target = name == "namespace" ? &f.ns : name == "address" ? &f.address : name == "publish-binary" ? &f.publishBinary : name == "id" ? &f.id : name == "bundle" ? &f.bundle : nullptr;
    bool known = target || name == "socket" || name == "group";
    if (!known) continue;  // boolean or unknown flags: as bootstrap.ts
    if (!inlineValue) value = i + 1 < argc ? argv[++i] : "";
    if (target) *target = value;
  }
  return f;
}

// The TypeScript shim's entry: <repo>/bin/containerd-shim-tsrunc-v2.js, this binary being
// <repo>/build/native/Release/containerd-shim-tsrunc-v2.
std::string nodeEntry() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) fail(errnoText("readlink /proc/self/exe"));
  self[n] = 0;
  std::string dir(self);
  for (int up = 0; up < 4; up++) dir = dir.substr(0, dir.rfind('/'));
  return dir + "/bin/containerd-shim-tsrunc-v2.js";
}

// Unchanged argv to the TypeScript shim (its #! line runs node with the shim's flags).
[[noreturn]] void execNode(int argc, char** argv) {
  std::string entry = nodeEntry();
  std::vector<char*> args{const_cast<char*>(entry.c_str())};
  for (int i = 1; i < argc; i++) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(entry.c_str(), args.data());
  fail(errnoText("exec " + entry));
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Group {
  std::string mode;  // namespace | pod
  std::string key;   // hashed into the socket name
};

// Which shim serves the container whose bundle is the cwd (see the top of this file).
Group groupOf(const std::string& id) {
  nlohmann::json annotations;
  try {
    auto config = nlohmann::json::parse(readFile("config.json"));
    if (config.contains("annotations") && config["annotations"].is_object()) annotations = config["annotations"];
  } catch (const std::exception&) {
    // no readable config: containerd's Create reports it; the group is the default one
  }
  auto annotation = [&](const char* key) -> std::string {
    auto it = annotations.find(key);
    return it != annotations.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::string mode = annotation(kGroupAnnotation), field = std::string("config.json /annotations/") + kGroupAnnotation;
  if (mode.empty() && getenv("TSRUNC_SHIM_GROUP")) mode = getenv("TSRUNC_SHIM_GROUP"), field = "TSRUNC_SHIM_GROUP";
  std::string sandbox = annotation(kSandboxAnnotation);
  if (mode.empty()) mode = sandbox.empty() ? "namespace" : "pod";
  if (mode == "namespace") return {mode, kNamespaceGroup};
  if (mode == "pod") return {mode, sandbox.empty() ? id : sandbox};
  fail(field + ": \"" + mode + "\" is not a shim grouping (pod or namespace)");
}

// Go's filepath.Join of the three parts, as runc's shim hashes them (no "." or ".." in practice).
std::string joinPath(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += '/';
    out += p;
  }
  std::string clean;
  for (char c : out)
    if (!(c == '/' && !clean.empty() && clean.back() == '/')) clean += c;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

std::string sha256hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr)) fail("sha256 failed");
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; i++) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// Whether a shim listens on `socket`: /proc/net/unix, not a connection, which the shim would
// count as its client's (lifetime.ts).
bool listening(const std::string& socket) {
  std::ifstream in("/proc/net/unix");
  std::string line;
  std::getline(in, line);  // header: Num RefCount Protocol Flags Type St Inode Path
  const std::string suffix = " " + socket;
  while (std::getline(in, line)) {
    if (line.size() < suffix.size() || line.compare(line.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::istringstream fields(line);
    std::string num, refs, proto, flags;
    fields >> num >> refs >> proto >> flags;
    if (flags == "00010000") return true;  // __SO_ACCEPTCON: listen() was called
  }
  return false;
}

// flock()s <socket>.lock, again if the file was replaced while we waited (an exiting shim
// removes it under the lock).
int lockGroup(const std::string& lockPath) {
  for (;;) {
    int fd = open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) fail(errnoText("open " + lockPath));
    if (flock(fd, LOCK_EX) != 0) fail(errnoText("flock " + lockPath));
    struct stat held, now;
    if (fstat(fd, &held) == 0 && stat(lockPath.c_str(), &now) == 0 && held.st_ino == now.st_ino && held.st_dev == now.st_dev) return fd;
    close(fd);
  }
}

void writeFile(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(errnoText("open " + path));
  if (write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) fail(errnoText("write " + path));
  close(fd);
}

// The serving shim: the TypeScript shim without a subcommand, in a session of its own (containerd
// may exit, the shim stays), stdio on /dev/null, reporting "ready" on fd 3 once it listens.
pid_t spawnServer(const Flags& f, const std::string& socket, const std::string& mode, std::string& said) {
  std::string entry = nodeEntry();
  std::vector<std::string> argStrings{entry, "-namespace", f.ns, "-id", f.id, "-address", f.address, "-publish-binary", f.publishBinary, "-socket", socket, "-group", mode};
  if (f.debug) argStrings.push_back("-debug");
  std::vector<char*> args;
  for (auto& a : argStrings) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) fail(errnoText("pipe"));
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) fail(errnoText("open /dev/null"));
  pid_t pid = fork();
  if (pid < 0) fail(errnoText("fork"));
  if (pid == 0) {
    // This process is single-threaded: plain calls are safe until execv.
    setsid();
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    dup2(ready[1], 3);  // dup2 clears FD_CLOEXEC on fd 3
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(entry.c_str(), args.data());
    _exit(127);
  }
  close(ready[1]);
  close(devnull);
  char buf[512];
  ssize_t n;
  while ((n = read(ready[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    said.append(buf, n);
  }
  close(ready[0]);
  if (said.empty()) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) said = "exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return pid;
}

int start(const Flags& f) {
  if (f.ns.empty()) fail("shim namespace cannot be empty (-namespace)");
  Group group = groupOf(f.id);
  std::string socket = std::string(kSocketDir) + "/" + sha256hex(joinPath({f.address, f.ns, group.key}));
  std::string address = "unix://" + socket;
  if (mkdir("/run/containerd", 0711) != 0 && errno != EEXIST) fail(errnoText("mkdir /run/containerd"));
  if (mkdir(kSocketDir, 0711) != 0 && errno != EEXIST) fail(errnoText(std::string("mkdir ") + kSocketDir));
  int lock = lockGroup(socket + ".lock");
  // The leases the serving shim has given out (src/shim/lifetime.ts): one more for this container.
  char count[32] = {0};
  long leases = pread(lock, count, sizeof count - 1, 0) > 0 ? strtol(count, nullptr, 10) : 0;
  if (!listening(socket)) {
    unlink(socket.c_str());  // a dead shim's, if any
    std::string said;
    pid_t pid = spawnServer(f, socket, group.mode, said);
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    if (said != "ready") fail("the shim did not start: " + said);
    writeFile("shim.pid", std::to_string(pid));
    leases = 0;  // a new shim has accepted nothing yet
  }
  // containerd connects once this prints the address: the shim waits for that connection.
  std::string lease = std::to_string(leases + 1) + "\n";
  if (ftruncate(lock, 0) != 0 || pwrite(lock, lease.data(), lease.size(), 0) != static_cast<ssize_t>(lease.size())) fail(errnoText("write " + socket + ".lock"));
  writeFile("address", address);
  close(lock);
  if (write(1, address.data(), address.size()) != static_cast<ssize_t>(address.size())) return 1;
  return 0;
}

// Whether `path` is a mount point in this mount namespace (containerd's, where the shim mounts).
bool mountPoint(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point == path) return true;
  }
  return false;
}

// `delete` with nothing to clean up. containerd 1.6 runs `delete` after every task, also after
// the shim deleted it normally (its ttrpc client's close handler cleans up "after a dead shim"
// and then finds the task gone): that must not cost a Node start per container. When the
// container's state is gone (src/shim/cleanup.ts: <root>/<namespace>/<id>, the root in the
// bundle's options.json, else /run/containerd/tsrunc), its rootfs is not mounted and its shim's
// socket is not left dead, the answer is an empty DeleteResponse (no bytes) at once; anything
// else is the TypeScript shim's `delete`.
bool nothingToDelete(const Flags& f, const std::string& bundleFlag) {
  char cwd[PATH_MAX];
  std::string bundle = !bundleFlag.empty() ? bundleFlag : getcwd(cwd, sizeof cwd) ? cwd : "";
  if (bundle.empty() || f.ns.empty() || f.id.empty()) return false;
  std::string root = "/run/containerd/tsrunc";
  struct stat st;
  if (stat((bundle + "/options.json").c_str(), &st) == 0) {
    try {
      auto options = nlohmann::json::parse(readFile(bundle + "/options.json"));
      if (options.contains("root") && options["root"].is_string() && !options["root"].get<std::string>().empty()) root = options["root"].get<std::string>();
    } catch (const std::exception&) {
      return false;
    }
  }
  if (lstat((root + "/" + f.ns + "/" + f.id).c_str(), &st) == 0 || errno != ENOENT) return false;
  if (mountPoint(bundle + "/rootfs")) return false;
  std::string address = readFile(bundle + "/address");
  if (address.rfind("unix://", 0) == 0) {
    std::string socket = address.substr(7);
    while (!socket.empty() && (socket.back() == '\n' || socket.back() == ' ')) socket.pop_back();
    if (stat(socket.c_str(), &st) == 0 && !listening(socket)) return false;  // a dead shim's socket to remove
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = parseFlags(argc, argv);
  if (f.action == "start") return start(f);
  if (f.action == "delete" && nothingToDelete(f, f.bundle)) return 0;
  execNode(argc, argv);
}
