// Parsers of plan parts that more than one launch message carries: the init's plan and an
// exec (exec.cc) both have a process object and a seccomp filter, compiled by the same
// TypeScript compiler (src/plan), so they are read by the same code.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>

#include "plan.h"

ProcessPlan parse_process(const nlohmann::json& process);
// `holder`'s "seccomp" member; none when absent or null.
std::optional<SeccompPlan> parse_seccomp(const nlohmann::json& holder);
