'use strict';
// A clause test: the spec sentence it checks (file, heading, keyword, sentence) and how.
//   const clause = clauses('config.md');
//   clause('Root', 'MUST', 'If true then the root filesystem MUST be read-only ...', 'name', async (c) => {...},
//          { note: 'shown next to the clause in the report' });
// c is a Sandbox (lib/sandbox.js); a test passes by returning, fails by throwing, skips with c.skip().
function clauses(file) {
  const list = [];
  const clause = (heading, keyword, sentence, name, test, extra = {}) =>
    list.push({ file, heading, keyword, clause: sentence, name, test, ...extra });
  clause.list = list;
  return clause;
}

const ERRNO = { EPERM: 1, ENOENT: 2, EACCES: 13, EROFS: 30, EOPNOTSUPP: 95 };

/** capabilities(7) names in bit order. */
const CAP_NAMES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'];
const capMask = (names) => names.reduce((m, n) => m | (1n << BigInt(CAP_NAMES.indexOf(n))), 0n);
/** The capability names in this process's bounding set: all a runtime started by it can grant. */
function grantableCaps() {
  const bnd = BigInt('0x' + /^CapBnd:\s*([0-9a-f]+)/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);
  return CAP_NAMES.filter((n, i) => (bnd >> BigInt(i)) & 1n);
}

module.exports = { clauses, ERRNO, CAP_NAMES, capMask, grantableCaps };
