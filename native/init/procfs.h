// Writes to /proc files: linux.sysctl, process.oomScoreAdj, LSM labels, time namespace offsets.
//
// A path like "/proc/sys/net/ipv4/ip_forward" means whatever the mount namespace the init is in puts
// there: a joined namespace may have /proc/sys overmounted, and an image's symlink may have put a
// host file over a /proc file (CVE-2019-19921, CVE-2025-52881). So these writes never go through
// a path: they go through a procfs instance of our own (fsopen + fsmount, a detached mount nobody
// else can reach), falling back to the namespace's /proc checked to be the root of a procfs, and
// every file is opened beneath it with openat2 (no symlink out, no magic link, no mount crossed)
// and checked to be on procfs before anything is written.
#pragma once
#include "plan.h"

// A verified procfs root (see above), as an O_PATH fd the caller closes. Throws SetupError naming
// `pointer`.
int open_procfs_root(const std::string& pointer);

// Writes `value` to `rel` ("sys/kernel/domainname", "self/oom_score_adj") below a procfs root from
// open_procfs_root(). Throws SetupError naming `pointer` (and what was found, if not procfs).
void write_proc_file(int procRoot, const std::string& rel, const std::string& value, const std::string& pointer);

// Whether `rel` exists below the procfs root (e.g. the AppArmor attribute directory).
bool proc_file_exists(int procRoot, const std::string& rel);

// Writes every linux.sysctl value. A /proc/sys file belongs to the namespaces of the process
// that opens it, so our own procfs instance will do once the init is in the container's namespaces.
void apply_sysctls(const Plan& plan);
// Needs privilege to lower the score (CAP_SYS_RESOURCE), so it runs before any is dropped.
void apply_oom_score_adj(const ProcessPlan& p);
