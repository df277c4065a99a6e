#include "seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error.h"
#include "fd.h"
#include "seccomp_enosys.h"

namespace {

const std::string POINTER = "/linux/seccomp";

// libseccomp returns -errno.
[[noreturn]] void fail_rc(const std::string& what, const std::string& pointer, int rc) {
  fail_errno("seccomp: " + what, pointer, -rc);
}

// The compiler always gives ERRNO and TRACE their value (EPERM when the config has none).
unsigned int errno_ret(const std::optional<unsigned int>& errnoRet, const std::string& pointer) {
  if (!errnoRet) throw SetupError("seccomp: plan has no errnoRet for this action", EINVAL, pointer);
  return *errnoRet;
}

uint32_t action(const std::string& name, const std::optional<unsigned int>& errnoRet, const std::string& pointer) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret(errnoRet, pointer));
  if (name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret(errnoRet, pointer));
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  throw SetupError("seccomp: unknown action " + name, EINVAL, pointer);
}

scmp_compare comparison(const std::string& op, const std::string& pointer) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  throw SetupError("seccomp: unknown operator " + op, EINVAL, pointer);
}

void set_attr(scmp_filter_ctx ctx, scmp_filter_attr attr, uint32_t value, const std::string& what,
              const std::string& pointer) {
  int rc = seccomp_attr_set(ctx, attr, value);
  if (rc < 0) fail_rc(what, pointer, rc);
}

// Checks that libseccomp and the kernel support `flag` (libseccomp probes the kernel when the
// attribute is set) and returns its SECCOMP_FILTER_FLAG_* bit for seccomp(2).
unsigned int kernel_flag(scmp_filter_ctx ctx, const std::string& flag, const std::string& pointer) {
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC") {
    set_attr(ctx, SCMP_FLTATR_CTL_TSYNC, 1, flag, pointer);
    return SECCOMP_FILTER_FLAG_TSYNC;
  }
  if (flag == "SECCOMP_FILTER_FLAG_LOG") {
    set_attr(ctx, SCMP_FLTATR_CTL_LOG, 1, flag, pointer);
    return SECCOMP_FILTER_FLAG_LOG;
  }
  if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
    set_attr(ctx, SCMP_FLTATR_CTL_SSB, 1, flag, pointer);
    return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  }
  // Only with a notify listener (the compiler checks): the kernel's flag, given to seccomp(2).
  if (flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") return 1U << 5;
  throw SetupError("seccomp: flag " + flag + " is not supported", ENOTSUP, pointer);
}

// Has libseccomp generate the filter's BPF program (through a memfd: libseccomp 2.5 exports to
// an fd only) and reads it back.
std::vector<sock_filter> generate(scmp_filter_ctx ctx) {
  Fd fd(memfd_create("tsrunc-seccomp", MFD_CLOEXEC));
  if (fd.fd < 0) fail_errno("seccomp: memfd_create", POINTER);
  const int rc = seccomp_export_bpf(ctx, fd.fd);
  if (rc < 0) fail_rc("generate the BPF program", POINTER, rc);
  const off_t size = lseek(fd.fd, 0, SEEK_END);
  if (size < 0) fail_errno("seccomp: read the BPF program", POINTER);
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  const size_t bytes = program.size() * sizeof(sock_filter);
  if (bytes != static_cast<size_t>(size) || pread(fd.fd, program.data(), bytes, 0) != static_cast<ssize_t>(bytes))
    throw SetupError("seccomp: short read of the BPF program", EIO, POINTER);
  return program;
}

void add_rule(scmp_filter_ctx ctx, const SeccompRule& rule) {
  const uint32_t act = action(rule.action, rule.errnoRet, rule.pointer + "/action");
  std::vector<scmp_arg_cmp> cmps;
  for (size_t i = 0; i < rule.args.size(); i++) {
    const SeccompArgCompare& a = rule.args[i];
    cmps.push_back({a.index, comparison(a.op, rule.pointer + "/args/" + std::to_string(i) + "/op"), a.value,
                    a.valueTwo});
  }
  for (size_t i = 0; i < rule.names.size(); i++) {
    const std::string& name = rule.names[i];
    // A name this libseccomp does not know is a syscall this kernel generation does not have
    // either (profiles list syscalls of every kernel): skipped, as runc does.
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    // Not the _exact variant: on other architectures libseccomp may rewrite the rule (socketcall
    // on x86) or leave out a syscall that does not exist there.
    const int rc = seccomp_rule_add_array(ctx, act, nr, cmps.size(), cmps.data());
    if (rc < 0) fail_rc("add the rule for " + name, rule.pointer + "/names/" + std::to_string(i), rc);
  }
}

}  // namespace

SeccompFilter::SeccompFilter(const SeccompPlan& plan) : flags_(plan.listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0) {
  scmp_filter_ctx ctx = seccomp_init(action(plan.defaultAction, plan.defaultErrnoRet, POINTER + "/defaultAction"));
  if (ctx == nullptr) throw SetupError("seccomp: cannot create a filter (seccomp_init failed)", EINVAL, POINTER);
  struct Release {
    scmp_filter_ctx ctx;
    ~Release() { seccomp_release(ctx); }
  } release{ctx};
  // Kernel errors as they are (EINVAL, EOPNOTSUPP), not libseccomp's ECANCELED.
  set_attr(ctx, SCMP_FLTATR_API_SYSRAWRC, 1, "report raw errors", POINTER);
  // The native architecture stays in the filter (libseccomp puts it there); the listed ones are
  // added to it, as runc does.
  for (const std::string& name : plan.architectures) {
    const uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (arch == 0) throw SetupError("seccomp: libseccomp does not know the architecture " + name, EINVAL, POINTER + "/architectures");
    const int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) fail_rc("add architecture " + name, POINTER + "/architectures", rc);
  }
  for (const std::string& flag : plan.flags) flags_ |= kernel_flag(ctx, flag, POINTER + "/flags");
  // A binary tree instead of a linear list of syscall checks for long profiles (runc's threshold;
  // libseccomp 2.5 mishandles the tree for very few rules).
  size_t names = 0;
  for (const SeccompRule& rule : plan.rules) names += rule.names.size();
  if (names > 32) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // an older libseccomp: linear is fine
  for (const SeccompRule& rule : plan.rules) add_rule(ctx, rule);
  program_ = enosys_stub(plan);
  const std::vector<sock_filter> filter = generate(ctx);
  program_.insert(program_.end(), filter.begin(), filter.end());
  if (program_.size() > BPF_MAXINSNS)
    throw SetupError("seccomp: the filter takes " + std::to_string(program_.size()) +
                         " BPF instructions, the kernel takes at most " + std::to_string(BPF_MAXINSNS),
                     E2BIG, POINTER + "/syscalls");
}

// The program goes to seccomp(2) directly: libseccomp's seccomp_load() would generate it all
// over again, after `start`. no_new_privs is left to process.noNewPrivileges (see main.cc).
int SeccompFilter::load() {
  sock_fprog prog = {static_cast<unsigned short>(program_.size()), program_.data()};
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags_, &prog);
  if (rc < 0) fail_errno("seccomp: load the filter", POINTER);
  return (flags_ & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? static_cast<int>(rc) : -1;
}
