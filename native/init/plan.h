// The plan as tsrunc-init sees it. The structs (Plan, MountOp, ProcessPlan...) and their JSON
// parser are generated from src/plan/plan.schema.json, the one definition both languages share
// (scripts/build-plan.js -> build/generated/plan.gen.h).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "plan.gen.h"

// Reads the `plan` object of the launch message (see launch.h). Throws SetupError when it is
// malformed or written for another plan version.
Plan parse_plan(const nlohmann::json& plan);

// Diagnostics (TSRUNC_PLAN_ECHO=1): reads a plan from stdin and prints it back as this side
// understood it, so a test can compare it with what TypeScript wrote (TSRUNC_PLAN_ECHO=exec: an
// ExecPlan). Returns the exit status.
int echo_plan(bool exec);
