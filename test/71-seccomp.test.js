'use strict';
// linux.seccomp, seen from inside real containers: the filter is there, the Docker default profile
// denies what it should and lets ordinary programs run, each action does what it says, and a
// config the filter cannot be built from fails `create` leaving nothing behind.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');

const DOCKER = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/seccomp-docker-default.json'), 'utf8'));
// Enough privilege that only seccomp can be what refuses mount/unshare/sethostname.
const ADMIN_CAPS = ['CAP_SYS_ADMIN', 'CAP_SYS_CHROOT', 'CAP_SETUID', 'CAP_SETGID'];
const EPERM = 'Operation not permitted';
const ENOSYS = 'Function not implemented';
const SIGSYS_EXIT = 128 + 31;

/**
 * Config patch: `seccomp` as linux.seccomp (none when undefined), `args` as the process (a string
 * is a sh script), every capability in ADMIN_CAPS, and no core files from a SIGSYS death.
 */
const container = (seccomp, args, more = () => {}) => (c) => {
  c.process.args = typeof args === 'string' ? ['sh', '-c', args] : args;
  c.process.capabilities = { bounding: ADMIN_CAPS, effective: ADMIN_CAPS, permitted: ADMIN_CAPS };
  c.process.rlimits = [{ type: 'RLIMIT_CORE', hard: 0, soft: 0 }];
  if (seccomp) c.linux.seccomp = structuredClone(seccomp);
  more(c);
};

/** A profile allowing everything but `syscalls`. */
const allowAllBut = (...syscalls) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });

test('the filter is installed: Seccomp 2 (filter mode) in /proc/self/status', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(DOCKER, 'grep ^Seccomp /proc/self/status'));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^Seccomp:\s+2$/m);
  t.regex(r.stdout, /^Seccomp_filters:\s+1$/m);
});

test('without linux.seccomp there is no filter', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(undefined, 'grep ^Seccomp: /proc/self/status'));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^Seccomp:\s+0$/m);
});

test('the Docker default profile lets ordinary programs run', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(DOCKER,
    'ls / > /dev/null && cat /etc/os-release > /dev/null && echo x > /dev/shm/f && cat /dev/shm/f && id -u && ' +
    '(sleep 0; echo subshell) && wc -l < /proc/self/status > /dev/null && echo done'));
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'x\n0\nsubshell\ndone\n');
});

// Each probe is a busybox command the Docker profile refuses for a container without CAP_SYS_ADMIN
// in its profile, although the process has CAP_SYS_ADMIN: only seccomp stops it.
const DENIED = [
  { what: 'unshare(CLONE_NEWNS)', cmd: 'unshare -m true', stderr: /unshare.*Operation not permitted/ },
  { what: 'mount(2)', cmd: 'mount -t tmpfs none /mnt', stderr: /mount: permission denied/ },
  { what: 'sethostname(2)', cmd: 'hostname other', stderr: /sethostname: Operation not permitted/ },
  { what: 'setns(2)', cmd: 'nsenter -t 1 -u true', stderr: /nsenter.*Operation not permitted/ },
];
const probeScript = DENIED.map(({ cmd }) => `${cmd}; echo "${cmd}: $?"`).join('; ');

test('the Docker default profile denies privileged syscalls with EPERM', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(DOCKER, probeScript));
  t.is(r.code, 0, r.stderr);
  for (const { what, cmd, stderr } of DENIED) {
    t.true(r.stdout.includes(`${cmd}: 1\n`), `${what} must fail:\n${r.stdout}`);
    t.regex(r.stderr, stderr, what);
  }
});

test('control: the same commands get past the syscall without the profile', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(undefined, probeScript));
  t.is(r.code, 0, r.stderr);
  for (const { what, cmd } of DENIED) {
    t.true(r.stdout.includes(`${cmd}: 0\n`), `${what} works without seccomp:\n${r.stdout}\n${r.stderr}`);
  }
});

// What each action does to `mkdir /dev/shm/x`, run as the container's process itself.
const MKDIR = ['mkdir', '/dev/shm/x'];
for (const { action, errnoRet, code, stderr } of [
  { action: 'SCMP_ACT_ERRNO', errnoRet: 38, code: 1, stderr: ENOSYS },
  { action: 'SCMP_ACT_ERRNO', code: 1, stderr: EPERM },
  { action: 'SCMP_ACT_KILL', code: SIGSYS_EXIT },
  { action: 'SCMP_ACT_KILL_THREAD', code: SIGSYS_EXIT },
  { action: 'SCMP_ACT_KILL_PROCESS', code: SIGSYS_EXIT },
  { action: 'SCMP_ACT_TRAP', code: SIGSYS_EXIT },
  // No tracer is attached: the kernel fails the syscall with ENOSYS.
  { action: 'SCMP_ACT_TRACE', code: 1, stderr: ENOSYS },
  { action: 'SCMP_ACT_LOG', code: 0 },
]) {
  const label = errnoRet === undefined ? action : `${action} errnoRet ${errnoRet}`;
  test(`${label} on mkdir: exit ${code}${stderr ? ` (${stderr})` : ''}`, async (t) => {
    const rt = useRuntime(t);
    const rule = { names: ['mkdir', 'mkdirat'], action, ...(errnoRet === undefined ? {} : { errnoRet }) };
    const r = await rt.run(container(allowAllBut(rule), MKDIR));
    t.is(r.code, code, r.stderr);
    if (stderr) t.regex(r.stderr, new RegExp(`can't create directory '/dev/shm/x': ${stderr}`));
  });
}

test('SCMP_CMP_MASKED_EQ: only opens with O_APPEND are refused', async (t) => {
  const rt = useRuntime(t);
  const O_APPEND = 0o2000;
  const EDQUOT = 122;
  const appendOnly = (name, index) => ({
    names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: EDQUOT,
    args: [{ index, value: O_APPEND, valueTwo: O_APPEND, op: 'SCMP_CMP_MASKED_EQ' }],
  });
  const r = await rt.run(container(allowAllBut(appendOnly('open', 1), appendOnly('openat', 2)),
    'echo first > /dev/shm/f; echo "truncate: $?"; echo second >> /dev/shm/f; echo "append: $?"; cat /dev/shm/f'));
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'truncate: 0\nappend: 1\nfirst\n');
  t.regex(r.stderr, /can't create \/dev\/shm\/f: Disk quota exceeded/);
});

test('conditions on different arguments must all match (AND)', async (t) => {
  const rt = useRuntime(t);
  const [O_TRUNC, O_APPEND] = [0o1000, 0o2000];
  // open(path, flags, mode) / openat(dirfd, path, flags, mode): refuse when flag AND mode match.
  const rule = (flag, mode) => ['open', 'openat'].map((name, shift) => ({
    names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: 122,
    args: [{ index: 1 + shift, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }, { index: 2 + shift, value: mode, op: 'SCMP_CMP_EQ' }],
  }));
  // The shell creates files with mode 0666: only the O_APPEND rule matches on both arguments.
  const r = await rt.run(container(allowAllBut(...rule(O_TRUNC, 0o600), ...rule(O_APPEND, 0o666)),
    'echo first > /dev/shm/f; echo "truncate: $?"; echo second >> /dev/shm/f; echo "append: $?"'));
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'truncate: 0\nappend: 1\n');
});

test('syscall names libseccomp does not know are skipped; the rest of the rule applies', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(container(allowAllBut(
    { names: ['tsrunc_no_such_syscall', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }), MKDIR));
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(ENOSYS));
});

for (const noNewPrivileges of [false, true]) {
  test(`a non-root process gets the filter with noNewPrivileges ${noNewPrivileges}`, async (t) => {
    const rt = useRuntime(t);
    const r = await rt.run(container(DOCKER, 'id -u; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status', (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.noNewPrivileges = noNewPrivileges;
    }));
    t.is(r.code, 0, r.stderr);
    // Without no_new_privs the filter needs CAP_SYS_ADMIN: loaded before the switch to uid 1000.
    t.regex(r.stdout, /^1000\nNoNewPrivs:\s+(\d)\nSeccomp:\s+2\n$/);
    t.is(r.stdout.match(/NoNewPrivs:\s+(\d)/)[1], noNewPrivileges ? '1' : '0');
  });
}

// tsrunc-only: Debian's runc 1.1.5 refuses every flag ("seccomp flags are not yet supported by runc").
(isTsrunc ? test : test.skip)('flags TSYNC, LOG and SPEC_ALLOW are accepted and the filter works', async (t) => {
  const rt = useRuntime(t);
  const flags = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'];
  const r = await rt.run(container({ ...allowAllBut({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }), flags }, MKDIR));
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(ENOSYS));
});

test('the filter is loaded only at start: a created container is not filtered yet', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(container(DOCKER, 'true'));
  const id = rt.id('created');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  const { pid } = await rt.waitForStatus(id, 'created');
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  // tsrunc builds the filter before `create` returns and loads it after `start`; runc loads it
  // before waiting for `start`.
  t.regex(status, isTsrunc ? /^Seccomp:\s+0$/m : /^Seccomp:\s+2$/m);
  t.is((await rt.runtime(['start', id])).code, 0);
});

// Rejected configs: `tsrunc` is what tsrunc's stderr must match; other runtimes only have to fail.
// The default config has 5 namespaces; the seccomp section is the test's own.
const INVALID = [
  { what: 'an unknown action', tsrunc: /\/linux\/seccomp\/syscalls\/1\/action: must be equal to one of the allowed values/,
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['write'], action: 'SCMP_ACT_PERHAPS' }] } },
  { what: 'an unknown default action', tsrunc: /\/linux\/seccomp\/defaultAction: must be equal to one of the allowed values/,
    seccomp: { defaultAction: 'SCMP_ACT_SOMETIMES' } },
  { what: 'an unknown operator', tsrunc: /\/linux\/seccomp\/syscalls\/0\/args\/0\/op: must be equal to one of the allowed values/,
    seccomp: allowAllBut({ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ROUGHLY' }] }) },
  { what: 'an argument index beyond 5', tsrunc: /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: must be between 0 and 5/,
    seccomp: allowAllBut({ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }) },
  { what: 'an unknown architecture', tsrunc: /\/linux\/seccomp\/architectures\/0: must be equal to one of the allowed values/,
    seccomp: { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_PDP11'] } },
  // runc fails here too (nothing listens), with its own words: tsrunc-only. The agent itself is
  // tested in 76-seccomp-notify.
  { what: 'SCMP_ACT_NOTIFY with no agent listening', tsruncOnly: true, tsrunc: /\/linux\/seccomp\/listenerPath: no seccomp agent is listening there/,
    seccomp: { ...allowAllBut({ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }), listenerPath: '/run/tsrunc-test-no-agent.sock' } },
  // runc 1.1.5 refuses this flag as well (it knows none but TSYNC, LOG and SPEC_ALLOW).
  { what: 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', tsrunc: /\/linux\/seccomp\/flags\/0: .*WAIT_KILLABLE_RECV needs a rule with the action SCMP_ACT_NOTIFY/,
    seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] } },
  // Passes the compiler; the BPF program libseccomp makes of it is longer than the kernel's limit
  // of 4096 instructions. Found while `create` builds the filter, not at `start` (runc finds it
  // at create too: it loads the filter before waiting for start).
  { what: 'a filter too long for the kernel', tsrunc: /BPF instructions, the kernel takes at most 4096 .*\/linux\/seccomp\/syscalls/,
    seccomp: allowAllBut({ names: ['ioctl'], action: 'SCMP_ACT_ERRNO',
      args: Array.from({ length: 4500 }, (_, i) => ({ index: 1, value: 1000 + i, op: 'SCMP_CMP_EQ' })) }) },
];

for (const { what, seccomp, tsrunc, tsruncOnly } of INVALID) {
  const define = tsruncOnly && !isTsrunc ? test.skip : test;
  define(`create rejects linux.seccomp with ${what}, leaving nothing behind`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle(container(seccomp, 'true'));
    const id = rt.id('bad');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0, 'create must fail');
    t.regex(r.stderr, /\S/, 'stderr explains why');
    if (isTsrunc) t.regex(r.stderr, tsrunc);
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
    t.not((await rt.state(id)).code, 0, 'no container was registered');
  });
}
