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

// Throws SetupError unless `plan` (a Plan or an ExecPlan) is of this side's version (contract.json).
void check_plan_version(const nlohmann::json& plan);

// Diagnostics for test/18-plan-contract.test.js ($TSRUNC_PLAN_ECHO = `mode`): reads a plan from
// stdin and prints it back as this side understood it, so a test can compare it with what
// TypeScript wrote. Modes: "1" a Plan, "exec" an ExecPlan, "message" a sync message, "contract"
// (nothing read) the contract's constants as compiled here. Returns the exit status.
int echo_plan(const std::string& mode);
