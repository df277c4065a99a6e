#include "plan.h"

#include <nlohmann/json.hpp>

#include "error.h"
#include "plan_json.h"

using nlohmann::json;

namespace {

// 64-bit limits arrive as decimal strings (see src/plan/types.ts).
uint64_t u64(const json& j) {
  const std::string s = j.get<std::string>();
  size_t used = 0;
  unsigned long long v = std::stoull(s, &used, 10);
  if (used != s.size()) throw SetupError("plan: bad 64-bit value '" + s + "'");
  return v;
}

std::optional<CapabilityMasks> capability_masks(const json& j) {
  if (j.is_null()) return std::nullopt;
  return CapabilityMasks{u64(j.at("bounding")), u64(j.at("effective")), u64(j.at("inheritable")),
                         u64(j.at("permitted")), u64(j.at("ambient"))};
}

std::vector<HookPlan> parse_hooks(const json& list) {
  std::vector<HookPlan> out;
  for (const json& j : list)
    out.push_back({j.at("path"), j.at("args").get<std::vector<std::string>>(),
                   j.at("env").get<std::vector<std::string>>(), j.at("timeout"), j.at("pointer")});
  return out;
}

std::optional<unsigned int> optional_uint(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<unsigned int>();
}

}  // namespace

std::optional<SeccompPlan> parse_seccomp(const json& plan) {
  if (!plan.contains("seccomp") || plan.at("seccomp").is_null()) return std::nullopt;
  const json& s = plan.at("seccomp");
  SeccompPlan out;
  out.defaultAction = s.at("defaultAction");
  out.defaultErrnoRet = optional_uint(s.at("defaultErrnoRet"));
  out.architectures = s.at("architectures").get<std::vector<std::string>>();
  out.flags = s.at("flags").get<std::vector<std::string>>();
  for (const json& r : s.at("rules")) {
    SeccompRule rule;
    rule.names = r.at("names").get<std::vector<std::string>>();
    rule.action = r.at("action");
    rule.errnoRet = optional_uint(r.at("errnoRet"));
    rule.pointer = r.at("pointer");
    for (const json& a : r.at("args"))
      rule.args.push_back({a.at("index"), u64(a.at("value")), u64(a.at("valueTwo")), a.at("op")});
    out.rules.push_back(std::move(rule));
  }
  if (!s.at("listener").is_null()) {
    out.listenerPath = s.at("listener").at("path");
    out.listenerMetadata = s.at("listener").at("metadata");
  }
  return out;
}

ProcessPlan parse_process(const json& pr) {
  ProcessPlan proc;
  proc.args = pr.at("args").get<std::vector<std::string>>();
  proc.env = pr.at("env").get<std::vector<std::string>>();
  proc.cwd = pr.at("cwd");
  proc.uid = pr.at("uid");
  proc.gid = pr.at("gid");
  proc.additionalGids = pr.at("additionalGids").get<std::vector<unsigned int>>();
  proc.umask = pr.at("umask").is_null() ? -1 : pr.at("umask").get<int>();
  proc.noNewPrivileges = pr.at("noNewPrivileges");
  for (const json& j : pr.at("rlimits"))
    proc.rlimits.push_back({j.at("resource"), u64(j.at("soft")), u64(j.at("hard")), j.at("pointer")});
  proc.capabilities = capability_masks(pr.at("capabilities"));
  if (!pr.at("oomScoreAdj").is_null()) proc.oomScoreAdj = pr.at("oomScoreAdj").get<int>();
  proc.ioPriority = pr.at("ioPriority").is_null() ? -1 : pr.at("ioPriority").at("value").get<int>();
  if (!pr.at("scheduler").is_null()) {
    const json& sc = pr.at("scheduler");
    proc.scheduler = SchedulerPlan{sc.at("policy"), sc.at("nice"), sc.at("priority"), u64(sc.at("flags")),
                                   u64(sc.at("runtime")), u64(sc.at("deadline")), u64(sc.at("period"))};
  }
  const json& lsm = pr.at("lsm");
  proc.apparmorProfile = lsm.at("apparmorProfile").is_null() ? "" : lsm.at("apparmorProfile").get<std::string>();
  proc.selinuxLabel = lsm.at("selinuxLabel").is_null() ? "" : lsm.at("selinuxLabel").get<std::string>();
  // --- terminal (issue 9) ---
  proc.terminal = pr.value("terminal", false);
  proc.consoleRows = proc.consoleCols = 0;
  if (pr.contains("consoleSize") && !pr.at("consoleSize").is_null()) {
    proc.consoleRows = pr.at("consoleSize").at("rows");
    proc.consoleCols = pr.at("consoleSize").at("cols");
  }
  return proc;
}

Launch parse_launch(const std::string& text) {
  try {
    const json l = json::parse(text);
    const json& p = l.at("plan");
    if (p.at("version").get<int>() != 1) throw SetupError("plan: unsupported plan version");
    Launch out;
    out.fifoFd = -1;  // from the environment, see main.cc
    out.wait = l.at("wait").get<bool>();
    out.preserveFds = l.at("preserveFds").get<int>();
    Plan& plan = out.plan;
    plan.id = p.at("id");
    plan.rootfs = p.at("rootfs");
    plan.rootReadonly = p.at("rootReadonly");
    plan.rootPropagation = p.at("rootPropagation");
    plan.rootfsPropagation = p.at("rootfsPropagation");
    plan.noPivot = p.at("noPivot");
    plan.cloneFlags = p.at("cloneFlags");
    for (const json& j : p.at("joins"))
      plan.joins.push_back({j.at("type"), j.at("flag"), j.at("path"), j.at("pointer")});
    plan.hasHostname = !p.at("hostname").is_null();
    if (plan.hasHostname) plan.hostname = p.at("hostname");
    plan.hasDomainname = !p.at("domainname").is_null();
    if (plan.hasDomainname) plan.domainname = p.at("domainname");
    for (const json& j : p.at("mounts")) {
      MountOp m;
      m.destination = j.at("destination");
      m.source = j.at("source");
      m.fstype = j.at("fstype");
      m.flags = j.at("flags");
      m.data = j.at("data");
      m.remountFlags = j.at("remountFlags");
      m.propagation = j.at("propagation").get<std::vector<unsigned long>>();
      m.createAs = j.at("createAs");
      m.sysfsFallback = j.at("sysfsFallback");
      m.pointer = j.at("pointer");
      plan.mounts.push_back(std::move(m));
    }
    plan.setupDev = p.at("setupDev");
    for (const json& j : p.at("devices"))
      plan.devices.push_back({j.at("path"), j.at("pointer"), j.at("mode"), j.at("major"), j.at("minor"),
                              j.at("uid"), j.at("gid")});
    for (const json& j : p.at("symlinks")) plan.symlinks.push_back({j.at("path"), j.at("target")});
    plan.maskedPaths = p.at("maskedPaths").get<std::vector<std::string>>();
    plan.readonlyPaths = p.at("readonlyPaths").get<std::vector<std::string>>();
    for (const json& j : p.at("sysctl")) plan.sysctl.push_back({j.at("path"), j.at("value"), j.at("pointer")});
    const json& hooks = p.at("hooks");
    plan.createContainerHooks = parse_hooks(hooks.at("createContainer"));
    plan.startContainerHooks = parse_hooks(hooks.at("startContainer"));
    plan.runtimeHooks = hooks.at("runtimeHooks");
    plan.process = parse_process(p.at("process"));
    plan.personality = p.at("personality").is_null() ? -1 : p.at("personality").get<long>();
    plan.seccomp = parse_seccomp(p);
    return out;
  } catch (const json::exception& e) {
    throw SetupError(std::string("plan: malformed launch message: ") + e.what());
  }
}
