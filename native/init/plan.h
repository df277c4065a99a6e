// The plan as tsrunc-init sees it. The structs (Plan, MountOp, ProcessPlan...) and their JSON
// parser are generated from src/plan/plan.schema.json, the one definition both languages share
// (scripts/build-plan.js -> build/generated/plan.gen.h).
#pragma once
#include <string>

#include "plan.gen.h"

// How this run of tsrunc-init was asked to behave (not part of the container's definition).
struct Launch {
  Plan plan;
  int fifoFd;        // O_PATH fd of exec.fifo (from $TSRUNC_FIFO_FD); -1 = start at once
  bool wait;         // stay as the init's parent and exit with its status (foreground `run`)
  int preserveFds;   // fds 3 .. 3+N-1 pass into the container
  int consoleFd = -1;  // process.terminal: where the pty master goes (from $TSRUNC_CONSOLE_FD)
};

// Parses the launch message (one JSON document). Throws SetupError on malformed input.
Launch parse_launch(const std::string& text);

// Diagnostics (TSRUNC_PLAN_ECHO=1): reads a plan from stdin and prints it back as this side
// understood it, so a test can compare it with what TypeScript wrote (TSRUNC_PLAN_ECHO=exec: an
// ExecPlan). Returns the exit status.
int echo_plan(bool exec);
