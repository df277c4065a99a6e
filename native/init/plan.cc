#include "plan.h"

#include <iostream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "error.h"
#include "sync.h"

using nlohmann::json;

namespace {

Plan read_plan(const json& j) {
  check_plan_version(j);
  return j.get<Plan>();
}

// The contract as this side was compiled with it (contract.gen.h), for the test that compares it
// with TypeScript's (src/generated/contract.ts).
json contract_json() {
  json steps = json::object();
  for (SyncStep s : kSyncSteps) steps[step_name(s)] = static_cast<int>(s);
  json env = json::object();
  for (const contract::EnvName& e : contract::kEnvNames) env[e.key] = e.name;
  return {{"planVersion", contract::kPlanVersion},
          {"syncSteps", steps},
          {"env", env},
          {"forkServer",
           {{"fd", contract::kForkServerFd}, {"maxFds", contract::kForkServerMaxFds}, {"maxPayload", contract::kForkServerMaxPayload}}}};
}

// A sync message read as its generated struct and written back.
json echo_message(const json& j) {
  const std::string type = j.at("type");
  if (type == "launch") {
    check_plan_version(j.at("plan"));
    return parse_message<SyncLaunch>(j, SyncStep::Launch);
  }
  if (type == "exec") {
    check_plan_version(j.at("exec"));
    return parse_message<SyncExec>(j, SyncStep::Exec);
  }
  if (type == "go") return parse_message<SyncGo>(j, SyncStep::Go);
  if (type == "resume") return parse_message<SyncResume>(j, SyncStep::Resume);
  if (type == "pid") return parse_message<SyncPid>(j, SyncStep::Pid);
  if (type == "hooks") return parse_message<SyncHooks>(j, SyncStep::Hooks);
  if (type == "ready") return parse_message<SyncReady>(j, SyncStep::Ready);
  if (type == "error") return j.get<SyncError>();
  throw std::invalid_argument("not a sync message: " + type);
}

}  // namespace

Plan parse_plan(const json& plan) {
  try {
    return read_plan(plan);
  } catch (const json::exception& e) {
    throw SetupError(std::string("plan: malformed plan: ") + e.what());
  } catch (const std::logic_error& e) {  // the generated parser's own checks (unknown field, bad 64-bit value)
    throw SetupError(std::string("plan: malformed plan: ") + e.what());
  }
}

void check_plan_version(const json& plan) {
  // The fields themselves are checked by the generated from_json; the version says whether this
  // init and the compiler that wrote the plan agree on them at all.
  if (!plan.is_object() || plan.value("version", 0) != contract::kPlanVersion) throw SetupError("plan: unsupported plan version");
}

int echo_plan(const std::string& mode) {
  try {
    if (mode == "contract") {
      std::cout << contract_json().dump() << std::endl;
      return 0;
    }
    const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const json j = json::parse(text);
    json out;
    if (mode == "exec") out = j.get<ExecPlan>();
    else if (mode == "message") out = echo_message(j);
    else out = read_plan(j);
    std::cout << out.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tsrunc-init: plan echo: " << e.what() << std::endl;
    return 1;
  }
}
