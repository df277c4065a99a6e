// Small file and error helpers of the native core (native/core/util.cc).
#pragma once

#include <string>
#include <vector>

namespace tsrunc {

bool exists(const std::string& path);
/** The whole file; false when it cannot be read. */
bool readFile(const std::string& path, std::string& out);
bool writeAll(int fd, const std::string& text);
/** open(O_WRONLY|O_TRUNC) + write: a cgroup file (never created). Returns 0 or the errno. */
int writeExisting(const std::string& file, const std::string& value);
/** removeTree (src/state/remove-tree.ts): 0, or the errno of what failed; a missing tree is no error. */
int removeTree(const std::string& dir);
/** The pids in <dir>/cgroup.procs, or another list of that form (none when it cannot be read). */
std::vector<long> procsOf(const std::string& dir, const char* file = "cgroup.procs");
/** Node's text of an errno ("ENOENT: no such file or directory"). */
std::string errnoText(int err);
/** systemError (src/errors.ts): "<what>: <errno text>". */
std::string systemMessage(const std::string& what, int err);
/** cgroupFsError (src/cgroups/cgroupfs.ts): "cgroup: cannot <action> <file>: <errno text>". */
std::string cgroupMessage(const std::string& action, const std::string& file, const std::string& why);
void sleepMs(int ms);
long long nowMs();
/** pidfd_open(pid): -1 when there is no such process. */
int pidfdOpen(long pid);
/** poll() until every fd is readable (or, with `priority`, one reports POLLPRI); false at the deadline. */
bool waitReadable(const std::vector<int>& fds, int timeoutMs, bool priority = false);

}  // namespace tsrunc
