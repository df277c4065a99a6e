#include "plan.h"

#include <iostream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "error.h"

using nlohmann::json;

namespace {

// The fields themselves are checked by the generated from_json; the version says whether this
// init and the compiler that wrote the plan agree on them at all.
constexpr int kPlanVersion = 1;

Plan read_plan(const json& j) {
  if (j.at("version").get<int>() != kPlanVersion) throw SetupError("plan: unsupported plan version");
  return j.get<Plan>();
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

int echo_plan(bool exec) {
  try {
    const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const json j = json::parse(text);
    std::cout << (exec ? json(j.get<ExecPlan>()) : json(read_plan(j))).dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tsrunc-init: plan echo: " << e.what() << std::endl;
    return 1;
  }
}
