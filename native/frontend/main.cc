// tsrunc's native front-end: the `tsrunc` on PATH (scripts/setup.sh links it). It answers state,
// start, kill and delete itself, through the same C++ core the addon links (native/core), without
// starting Node: those are the verbs container managers call most, and Node's own start costs
// several times runc's whole command (bench/RESULTS.md). Everything else - every other verb,
// --help, --version, --debug, any flag form it does not know, and whatever the core hands back
// (an OCI hook, the systemd driver, debris of a crash, an unusual error) - it hands, with the argv
// unchanged and before any side effect, to the Node CLI (bin/tsrunc), by exec.
//
// The parser accepts exactly the forms src/cli/fast-path.ts accepts (both are generated from
// src/cli/flags.json) and nothing else, so an answer never depends on which side gave it;
// test/61-cli-fast-path.test.js compares the three parsers' outputs and exit codes.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli-flags.gen.h"
#include "core.h"
#include "util.h"

namespace {

using tsrunc::cli::Flag;
using tsrunc::cli::FlagType;
using tsrunc::cli::Verb;

struct Call {
  const Verb* verb = nullptr;
  std::map<std::string, std::string> values;  // string flags given
  std::map<std::string, bool> booleans;       // boolean flags given
  std::vector<std::string> positionals;
};

const Flag* lookup(const Flag* flags, size_t count, const std::string& word) {
  if (word.rfind("--", 0) == 0) {
    const std::string name = word.substr(2);
    for (size_t i = 0; i < count; i++) {
      if (flags[i].name && name == flags[i].name) return &flags[i];
    }
    return nullptr;
  }
  if (word.size() == 2 && word[0] == '-' && isalpha(static_cast<unsigned char>(word[1]))) {
    for (size_t i = 0; i < count; i++) {
      if (flags[i].name && flags[i].alias == word[1]) return &flags[i];
    }
  }
  return nullptr;
}

/** parseFast (src/cli/fast-path.ts) over the native verbs: nullopt for anything it declines. */
std::optional<Call> parse(int argc, char** argv) {
  Call call;
  const size_t globalCount = sizeof tsrunc::cli::kGlobalFlags / sizeof tsrunc::cli::kGlobalFlags[0];
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] != '-') {
      if (call.verb == nullptr) {
        for (const Verb& v : tsrunc::cli::kNativeVerbs) {
          if (arg == v.name) call.verb = &v;
        }
        if (call.verb == nullptr) return std::nullopt;
      } else {
        call.positionals.push_back(arg);
      }
      continue;
    }
    const size_t eq = arg.find('=');
    const bool inlineValue = arg.rfind("--", 0) == 0 && eq != std::string::npos && eq > 0;
    const std::string word = inlineValue ? arg.substr(0, eq) : arg;
    const Flag* flag = lookup(tsrunc::cli::kGlobalFlags, globalCount, word);
    if (!flag && call.verb) flag = lookup(call.verb->flags, call.verb->flagCount, word);
    if (!flag) return std::nullopt;
    if (call.values.count(flag->name) || call.booleans.count(flag->name)) return std::nullopt;
    if (flag->type == FlagType::Boolean) {
      if (inlineValue) return std::nullopt;
      call.booleans[flag->name] = true;
      continue;
    }
    if (flag->type != FlagType::String) return std::nullopt;  // no native verb has a number flag
    std::string value;
    if (inlineValue) {
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) return std::nullopt;
      value = argv[++i];
    }
    if (value.empty() || value[0] == '-') return std::nullopt;
    call.values[flag->name] = value;
  }
  if (call.verb == nullptr) return std::nullopt;
  if (call.values.count("log-format")) {
    bool known = false;
    for (const char* f : tsrunc::cli::kLogFormats) known = known || call.values["log-format"] == f;
    if (!known) return std::nullopt;
  }
  if (call.positionals.size() < call.verb->required || call.positionals.size() > call.verb->total) return std::nullopt;
  for (size_t i = call.positionals.size(); i < call.verb->total; i++) call.positionals.push_back(call.verb->defaults[i]);
  return call;
}

/** The repository this binary was built in: <repo>/build/native/Release/tsrunc. */
std::string repoDir() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  std::string dir(exe, static_cast<size_t>(n));
  for (int up = 0; up < 4; up++) dir = dir.substr(0, dir.rfind('/'));
  return dir;
}

/**
 * Execs the Node CLI with the argv unchanged: `node <flags of bin/tsrunc's #! line> bin/tsrunc
 * ARGS`, without NODE_EXTRA_CA_CERTS, exactly what the #! line runs.
 */
[[noreturn]] void handOff(int argc, char** argv) {
  const std::string entry = repoDir() + "/bin/tsrunc";
  std::vector<std::string> words = {"node"};
  if (FILE* f = fopen(entry.c_str(), "re")) {
    char line[512];
    if (fgets(line, sizeof line, f)) {
      const char* node = strstr(line, " node ");
      for (char* t = node ? strtok(const_cast<char*>(node), " \n") : nullptr; t; t = strtok(nullptr, " \n")) {
        if (strncmp(t, "--", 2) == 0) words.push_back(t);
      }
    }
    fclose(f);
  }
  words.push_back(entry);
  std::vector<char*> args;
  for (auto& w : words) args.push_back(w.data());
  for (int i = 1; i < argc; i++) args.push_back(argv[i]);
  args.push_back(nullptr);
  unsetenv("NODE_EXTRA_CA_CERTS");
  signal(SIGPIPE, SIG_DFL);
  execvp("node", args.data());
  fprintf(stderr, "tsrunc: cannot run node: %s\n", strerror(errno));
  _exit(127);
}

/** CliLogger.error (src/cli/log.ts) without --debug: the core's log line, to --log or stderr. */
void reportError(const Call& call, const std::string& msg) {
  auto get = [&](const char* k) { auto it = call.values.find(k); return it == call.values.end() ? std::string() : it->second; };
  tsrunc::writeLogLine("error", msg, get("log-format").empty() ? "text" : get("log-format"), get("log"));
}

/** The state root: --root, else rootless.ts defaultRoot() where it is /run/tsrunc; "" = Node's to decide. */
std::string rootOf(const Call& call) {
  auto it = call.values.find("root");
  if (it == call.values.end()) {
    const char* xdg = getenv("XDG_RUNTIME_DIR");
    const char* user = getenv("USER");
    // A rootless caller's root (XDG_RUNTIME_DIR) needs the user-namespace check of rootless.ts.
    if (xdg && *xdg && (geteuid() != 0 || !user || strcmp(user, "root") != 0)) return "";
    return "/run/tsrunc";
  }
  // Node joins paths (path.join normalises): only a plain absolute root is taken as is.
  const std::string& root = it->second;
  if (root[0] != '/' || root.find("//") != std::string::npos || root.find("/./") != std::string::npos ||
      root.find("/../") != std::string::npos || (root.size() > 1 && root.back() == '/') ||
      (root.size() >= 2 && root.compare(root.size() - 2, 2, "/.") == 0) || (root.size() >= 3 && root.compare(root.size() - 3, 3, "/..") == 0)) {
    return "";
  }
  return root;
}

}  // namespace

int main(int argc, char** argv) {
  const char* fast = getenv("TSRUNC_FAST_PATH");
  if (fast && strcmp(fast, "0") == 0) handOff(argc, argv);
  std::optional<Call> call = parse(argc, argv);
  // --debug: the debug lines are the TypeScript implementation's.
  if (!call || call->booleans.count("debug")) handOff(argc, argv);
  const std::string root = rootOf(*call);
  if (root.empty()) handOff(argc, argv);
  signal(SIGPIPE, SIG_IGN);  // as Node: a closed stdout is an error to report, not a death
  const std::string verb = call->verb->name;
  const std::string& id = call->positionals[0];
  tsrunc::Result r;
  if (verb == "state") r = tsrunc::stateVerb(root, id);
  else if (verb == "start") r = tsrunc::startVerb(root, id);
  else if (verb == "kill") r = tsrunc::killVerb(root, id, call->positionals[1], call->booleans.count("all") > 0);
  else r = tsrunc::deleteVerb(root, id, call->booleans.count("force") > 0);
  switch (r.outcome) {
    case tsrunc::Outcome::Handoff: handOff(argc, argv);
    case tsrunc::Outcome::Failed: reportError(*call, r.message); return 1;
    case tsrunc::Outcome::Done: break;
  }
  size_t done = 0;
  while (done < r.output.size()) {
    ssize_t n = write(1, r.output.data() + done, r.output.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reportError(*call, std::string(tsrunc::errnoText(errno)) + ", write");
      return 1;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}
