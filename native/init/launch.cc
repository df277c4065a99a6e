#include "launch.h"

#include <nlohmann/json.hpp>

#include "error.h"
#include "sync.h"

Launch parse_launch(const nlohmann::json& message) {
  // The version first: a plan of another version may have other fields.
  check_plan_version(message.contains("plan") ? message["plan"] : nlohmann::json());
  SyncLaunch l = parse_message<SyncLaunch>(message, SyncStep::Launch);
  Launch out;
  out.plan = std::move(l.plan);
  out.wait = l.wait;
  out.preserveFds = l.preserveFds;
  return out;
}
