#include "capabilities.h"

#include <cerrno>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"

namespace {

const std::string POINTER = "/process/capabilities";

bool has(uint64_t mask, int cap) { return (mask >> cap) & 1; }

}  // namespace

void drop_bounding_set(const CapabilityMasks& caps) {
  // The kernel answers EINVAL for a number past its last capability: that is where the set ends.
  // (The plan holds no capability this kernel lacks, so nothing wanted lies beyond.)
  for (int cap = 0; cap < 64; cap++) {
    if (has(caps.bounding, cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;
    fail_errno("drop capability " + std::to_string(cap) + " from the bounding set", POINTER + "/bounding");
  }
}

void keep_capabilities(bool keep) {
  if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0) fail_errno("prctl(PR_SET_KEEPCAPS)", POINTER);
}

void set_capabilities(const CapabilityMasks& caps) {
  // Version 3 takes the 64-bit masks as two 32-bit words, low word first.
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
    data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) < 0) fail_errno("capset", POINTER);
  // The ambient set is replaced, not added to: nothing the runtime's caller had may leak through.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    fail_errno("clear the ambient capabilities", POINTER + "/ambient");
  for (int cap = 0; cap < 64; cap++)
    if (has(caps.ambient, cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      fail_errno("raise ambient capability " + std::to_string(cap), POINTER + "/ambient");
}
