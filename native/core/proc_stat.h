// /proc/<pid>/stat, read in one place for both languages: the native core (status, the
// front-end), the addon (src/process/proc.ts processStartTime) and tsrunc-init's exec (which
// checks that the init it joins is the recorded one) all call this. It needs nothing but libc,
// so tsrunc-init compiles this one file of the core and nothing else of it.
#pragma once

#include <string>

namespace tsrunc {

struct ProcStat {
  /** Field 3: R, S, D, Z, X, ... */
  char state = 0;
  /** Field 22: start time in clock ticks since boot, as the kernel prints it (what state.json records). */
  std::string startTime;
};

/** Reads /proc/<pid>/stat; false when there is no such process (or the text is not the kernel's). */
bool readProcStat(long pid, ProcStat& out);

}  // namespace tsrunc
