// The cgroup work of kill and delete on a cgroup record from state.json (src/cgroups/record.ts):
// v1 (one directory per hierarchy, `v1.dirs`/`v1.made`) or v2 (`dir`). The systemd driver's
// containers never come here (every verb on them is handed to Node).
#pragma once

#include <string>
#include <vector>

#include "core.h"

namespace tsrunc::cgroups {

/** isFrozen (src/cgroups/frozen.ts). */
bool isFrozen(const json& record);
/** The directory of the v1 hierarchy holding `controller` (v1DirOf), or "". */
std::string v1DirOf(const json& record, const std::string& controller);
/** Every directory of the container's cgroups (CgroupManager.dirs()). */
std::vector<std::string> dirs(const json& record);
/** Every process of the cgroup (CgroupManager.pids()). */
std::vector<long> pids(const json& record);
/** CgroupManager.signalAll: v2 SIGKILL through cgroup.kill; v1 freeze, signal, thaw. "" or an error. */
std::string signalAll(const json& record, int signal);
/**
 * Signals every process of the cgroup2 directory `dir` (v2 signalAll, src/cgroups/v2/manager.ts
 * calls this through the addon): SIGKILL through cgroup.kill where the kernel has it, else one by
 * one. 0, or the errno of a cgroup.kill write that failed for another reason than its absence.
 */
int signalAllV2(const std::string& dir, int signal);
/** letKillLand: thaws a v1-frozen cgroup after a SIGKILL (frozen tasks die only once thawed). */
std::string letKillLand(const json& record, int signal);
/** CgroupManager.remove: what tsrunc made, each once empty. "" or an error. */
std::string remove(const json& record);

}  // namespace tsrunc::cgroups
