#include "seccomp_enosys.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <map>

#include "error.h"

namespace {

// x32 syscalls are x86_64 syscalls with this bit set in their number (libseccomp's x32 numbers
// carry it too).
constexpr uint32_t X32_BIT = 0x40000000;
constexpr uint32_t RET_ENOSYS = SECCOMP_RET_ERRNO | ENOSYS;
// seccomp_data: nr at offset 0, arch at offset 4.
constexpr uint32_t OFFSET_NR = 0;
constexpr uint32_t OFFSET_ARCH = 4;

// The largest syscall number of `names` on libseccomp architecture `arch`; 0 when none resolves.
// Names this libseccomp does not know, and the negative pseudo-numbers of syscalls the
// architecture lacks, do not count (runc ignores them too).
uint32_t largest(uint32_t arch, const std::vector<std::string>& names) {
  int best = 0;
  for (const std::string& name : names) {
    const int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
    if (nr > best) best = nr;
  }
  return static_cast<uint32_t>(best);
}

// A program under construction whose jumps name labels, resolved once every label has its place.
class Program {
 public:
  static constexpr size_t FILTER = 0;  // the first instruction after the stub
  Program() { places_.push_back(SIZE_MAX); }
  size_t label() { places_.push_back(SIZE_MAX); return places_.size() - 1; }
  void place(size_t label) { places_[label] = code_.size(); }
  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void ret(uint32_t value) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, value)); }
  // ja: a 32-bit offset, so any distance.
  void jump(size_t label) {
    jumps_.push_back({code_.size(), label});
    code_.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
  }
  // A conditional jump over the next `skip` instructions when `op` (BPF_JEQ, BPF_JGT, BPF_JSET)
  // against k holds (or, with `negate`, when it does not); conditional offsets are 8-bit, so the
  // callers skip only a few local instructions and leave long distances to jump().
  void skip_if(uint16_t op, uint32_t k, uint8_t skip, bool negate = false) {
    const uint8_t none = 0;
    code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, negate ? none : skip, negate ? skip : none));
  }
  std::vector<sock_filter> finish() {
    places_[FILTER] = code_.size();
    for (const auto& [at, label] : jumps_) code_[at].k = static_cast<uint32_t>(places_[label] - at - 1);
    return code_;
  }

 private:
  std::vector<sock_filter> code_;
  std::vector<size_t> places_;
  std::vector<std::pair<size_t, size_t>> jumps_;
};

// nr > max: ENOSYS; else on to the instruction after these two.
void enosys_above(Program& p, uint32_t max) {
  p.skip_if(BPF_JGT, max, 1, /*negate=*/true);
  p.ret(RET_ENOSYS);
}

// Per kernel (AUDIT_ARCH_*) architecture: the largest number for each libseccomp architecture
// that maps onto it (x86_64 and x32 share AUDIT_ARCH_X86_64).
using Bounds = std::map<uint32_t, std::map<uint32_t, uint32_t>>;

}  // namespace

std::vector<sock_filter> enosys_stub(const SeccompPlan& plan) {
  if (plan.enosysNames.empty()) return {};
  Bounds bounds;
  for (const std::string& name : plan.architectures) {
    const uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (arch == 0) throw SetupError("seccomp: libseccomp does not know the architecture " + name, EINVAL, "/linux/seccomp/architectures");
    const uint32_t max = largest(arch, plan.enosysNames);
    if (max == 0) continue;
    bounds[arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch][arch] = max;
  }
  if (bounds.empty()) return {};

  Program p;
  p.load(OFFSET_ARCH);
  std::vector<std::pair<uint32_t, size_t>> sections;
  for (const auto& entry : bounds) {
    sections.push_back({entry.first, p.label()});
    p.skip_if(BPF_JEQ, entry.first, 1, /*negate=*/true);
    p.jump(sections.back().second);
  }
  p.jump(Program::FILTER);  // an architecture the profile does not list: the filter decides
  for (const auto& [audit, label] : sections) {
    const std::map<uint32_t, uint32_t>& max = bounds[audit];
    p.place(label);
    p.load(OFFSET_NR);
    // s390(x) multiplexes syscalls with large numbers through number 0 (setup(2), long gone): a
    // number the kernel does not know arrives as 0.
    if (audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X) {
      p.skip_if(BPF_JEQ, 0, 1, /*negate=*/true);
      p.ret(RET_ENOSYS);
    }
    if (audit == AUDIT_ARCH_X86_64) {
      // Each ABI is bounded by its own largest number; an ABI the profile does not list goes on to
      // the filter. The x32 part follows the x86_64 part, which is 3 instructions long when bounded.
      const auto amd64 = max.find(SCMP_ARCH_X86_64), x32 = max.find(SCMP_ARCH_X32);
      p.skip_if(BPF_JSET, X32_BIT, amd64 != max.end() ? 3 : 1);
      if (amd64 != max.end()) enosys_above(p, amd64->second);
      p.jump(Program::FILTER);
      if (x32 != max.end()) enosys_above(p, x32->second);
    } else {
      enosys_above(p, max.begin()->second);
    }
    p.jump(Program::FILTER);
  }
  return p.finish();
}
