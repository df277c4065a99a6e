// A container's status, derived as src/runtime/status.ts derives it (never stored): the recorded
// pid alive with its recorded start time (a reused pid is another process), then exec.fifo
// present = created, a frozen cgroup = paused, else running.
#include <unistd.h>

#include "cgroups.h"
#include "core.h"
#include "proc_stat.h"
#include "util.h"

namespace tsrunc {

bool isSameLiveProcess(long pid, const std::string& startTime) {
  ProcStat st;
  return readProcStat(pid, st) && st.startTime == startTime && st.state != 'Z' && st.state != 'X';
}

std::string containerStatus(long pid, const std::string& startTime, const std::string& fifo, const json* cgroup) {
  if (!isSameLiveProcess(pid, startTime)) return "stopped";
  if (exists(fifo)) return "created";
  return cgroup && cgroups::isFrozen(*cgroup) ? "paused" : "running";
}

std::string deriveStatus(const ContainerDir& dir, const json& stored) {
  return containerStatus(stored["pid"].get<long>(), stored["pidStartTime"].get<std::string>(), dir.fifoPath(),
                         stored.contains("cgroup") ? &stored["cgroup"] : nullptr);
}

bool cgroupFrozen(const json& record) { return cgroups::isFrozen(record); }

std::string describeState(const ContainerDir& dir, const json& stored) {
  const std::string status = deriveStatus(dir, stored);
  json out;
  out["ociVersion"] = stored["ociVersion"];
  out["id"] = stored["id"];
  out["pid"] = status == "stopped" ? json(0) : stored["pid"];
  out["status"] = status;
  for (const char* k : {"bundle", "rootfs", "created", "owner"}) out[k] = stored[k];
  if (!stored["annotations"].empty()) out["annotations"] = stored["annotations"];
  return out.dump(2) + "\n";
}

}  // namespace tsrunc
