// PROTOTYPE, not shipped (see bench/RESULTS.md, "Not starting Node for the cheap verbs").
// `fast-state --root R state ID`: what `tsrunc state` prints, in C++, without starting Node: the
// same lock (flock on R/ID/lock), the same state.json, the same status derivation as
// src/runtime/status.ts (live pid with the recorded start time; exec.fifo = created; frozen
// cgroup = paused). Here only to measure what such a front-end would cost.
//   g++ -O2 -std=c++17 -o fast-state state.cc   (needs nlohmann-json3-dev)
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

using json = nlohmann::ordered_json;

static bool readFile(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

static bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// /proc/<pid>/stat: state (field 3) and start time (field 22), after the parenthesised comm.
static bool sameLiveProcess(long pid, const std::string& startTime) {
  if (pid <= 0) return false;
  std::string text;
  if (!readFile("/proc/" + std::to_string(pid) + "/stat", text)) return false;
  size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 2));
  std::string field, state;
  for (int i = 0; i < 20 && rest >> field; i++) {
    if (i == 0) state = field;
    if (i == 19) return field == startTime && state != "Z" && state != "X";
  }
  return false;
}

static bool frozen(const json& cgroup) {
  std::string text;
  if (cgroup.contains("v1")) {
    const json& dirs = cgroup["v1"]["dirs"];
    if (!dirs.contains("freezer")) return false;
    return readFile(dirs["freezer"].get<std::string>() + "/freezer.state", text) && text.rfind("FROZEN", 0) == 0;
  }
  return readFile(cgroup["dir"].get<std::string>() + "/cgroup.freeze", text) && text.rfind("1", 0) == 0;
}

static int fail(const char* msg) {
  fprintf(stderr, "time=\"\" level=error msg=\"%s\"\n", msg);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 5 || strcmp(argv[1], "--root") != 0 || strcmp(argv[3], "state") != 0) return fail("usage: --root R state ID");
  std::string dir = std::string(argv[2]) + "/" + argv[4];
  int lock = open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) return fail("container does not exist");
  std::string text;
  if (!readFile(dir + "/state.json", text)) return fail("container does not exist");
  json stored = json::parse(text);
  std::string status;
  if (!sameLiveProcess(stored["pid"].get<long>(), stored["pidStartTime"].get<std::string>())) status = "stopped";
  else if (exists(dir + "/exec.fifo")) status = "created";
  else status = stored.contains("cgroup") && frozen(stored["cgroup"]) ? "paused" : "running";
  json out;
  out["ociVersion"] = stored["ociVersion"];
  out["id"] = stored["id"];
  out["pid"] = status == "stopped" ? json(0) : stored["pid"];
  out["status"] = status;
  for (const char* k : {"bundle", "rootfs", "created", "owner"}) out[k] = stored[k];
  if (!stored["annotations"].empty()) out["annotations"] = stored["annotations"];
  close(lock);
  std::string s = out.dump(2) + "\n";
  return write(1, s.data(), s.size()) == (ssize_t)s.size() ? 0 : 1;
}
