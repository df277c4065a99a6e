// The launch message (sync step 1, see sync.h): how this run of tsrunc-init was asked to behave.
// Only the envelope is parsed here; the plan object inside it is plan.cc's.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include "plan.h"

struct Launch {
  Plan plan;
  int fifoFd = -1;       // O_PATH fd of exec.fifo, from $TSRUNC_FIFO_FD (not in the message); -1 = none
  bool wait = false;     // stay as the init's parent and exit with its status (foreground `run`)
  int preserveFds = 0;   // fds 3 .. 3+N-1 pass into the container
  int consoleFd = -1;    // process.terminal: where the pty master goes, from $TSRUNC_CONSOLE_FD; -1 = none
};

// Parses {"type":"launch","plan":...,"wait":bool,"preserveFds":N}. Throws SetupError on malformed
// input. fifoFd is left at -1: main.cc takes it from the environment.
Launch parse_launch(const nlohmann::json& message);
