#include "launch.h"

#include <nlohmann/json.hpp>

#include "error.h"

Launch parse_launch(const nlohmann::json& message) {
  Launch out;
  const nlohmann::json* plan;
  try {
    out.wait = message.at("wait").get<bool>();
    out.preserveFds = message.at("preserveFds").get<int>();
    plan = &message.at("plan");
  } catch (const nlohmann::json::exception& e) {
    throw SetupError(std::string("malformed launch message: ") + e.what());
  }
  out.plan = parse_plan(*plan);
  return out;
}
