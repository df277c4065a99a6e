'use strict';
// What confines the container process, seen from inside it: capability sets (and what they allow),
// user and groups, umask, rlimits, no_new_privs, oom_score_adj and namespaced sysctls; and the
// configs asking for confinement that cannot be had, which `create` rejects leaving nothing behind.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { useRuntime, isTsrunc, output, RUNTIME } = require('./helpers/runtime');
const { shell, inAllSets } = require('./helpers/config');

/** "Key: value" lines -> {Key: value}. */
const fields = (text) => Object.fromEntries(text.trim().split('\n').map((l) => {
  const i = l.indexOf(':');
  return [l.slice(0, i), l.slice(i + 1).trim()];
}));

// ---------------------------------------------------------------- capabilities

// `runc spec` (1.1) puts these three in bounding, effective, permitted and ambient (not inheritable).
const RUNC_DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
// /proc/<pid>/status shows each set as 16 hex digits. CAP_KILL = 5, CAP_NET_BIND_SERVICE = 10,
// CAP_AUDIT_WRITE = 29.
const RUNC_DEFAULT_MASK = '0000000020000420';
const NET_BIND_SERVICE_MASK = '0000000000000400';
const NONE = '0000000000000000';

const status = (inh, prm, eff, bnd, amb) => ({ CapInh: inh, CapPrm: prm, CapEff: eff, CapBnd: bnd, CapAmb: amb });

// What a capability allows, tried by the kernel: each probe prints "<name>: allowed" or "<name>: refused".
const PROBES = {
  'bind port 80': 'timeout 1 nc -l -p 80', // CAP_NET_BIND_SERVICE; once bound it listens until the timeout
  mount: 'mount -t tmpfs probe /dev/shm', // CAP_SYS_ADMIN
  chown: 'chown 1 /dev/null', // CAP_CHOWN
};
const PROBE_SCRIPT = Object.entries(PROBES).map(([name, cmd]) =>
  `if ${cmd} 2>&1 | grep -qi -e 'not permitted' -e 'permission denied'; then echo '${name}: refused'; else echo '${name}: allowed'; fi`,
).join('\n');
const probeResults = (allowed) => Object.fromEntries(Object.keys(PROBES).map((p) => [p, allowed.includes(p) ? 'allowed' : 'refused']));

const CAPABILITY_CASES = [
  {
    what: "runc's default set: ambient capabilities that are not inheritable are not raised",
    capabilities: { bounding: RUNC_DEFAULT_CAPS, effective: RUNC_DEFAULT_CAPS, permitted: RUNC_DEFAULT_CAPS, ambient: RUNC_DEFAULT_CAPS },
    expect: status(NONE, RUNC_DEFAULT_MASK, RUNC_DEFAULT_MASK, RUNC_DEFAULT_MASK, NONE),
    allowed: ['bind port 80'],
  },
  {
    what: 'uid 1000 with CAP_NET_BIND_SERVICE in all five sets keeps it across exec (ambient)',
    user: { uid: 1000, gid: 1000 },
    capabilities: inAllSets(['CAP_NET_BIND_SERVICE']),
    expect: status(NET_BIND_SERVICE_MASK, NET_BIND_SERVICE_MASK, NET_BIND_SERVICE_MASK, NET_BIND_SERVICE_MASK, NET_BIND_SERVICE_MASK),
    allowed: ['bind port 80'],
  },
  {
    what: 'an empty capabilities object leaves root with none',
    capabilities: {},
    expect: status(NONE, NONE, NONE, NONE, NONE),
    allowed: [],
  },
];

for (const { what, user, capabilities, expect, allowed } of CAPABILITY_CASES) {
  test(`capabilities: ${what}`, async (t) => {
    const stdout = await output(t, shell(`grep ^Cap /proc/self/status\n${PROBE_SCRIPT}`, (c) => {
      c.process.capabilities = capabilities;
      if (user) c.process.user = user;
    }));
    t.deepEqual(fields(stdout), { ...expect, ...probeResults(allowed) });
  });
}

// ---------------------------------------------------------------- identity, limits, sysctls

/** Host /proc/sys value of a sysctl key, to check that the container's write stayed inside it. */
const hostSysctl = (key) => fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8');

const SEEN_INSIDE = [
  {
    what: 'process.user uid, gid and additionalGids are what id reports',
    edit: (c) => { c.process.user = { uid: 1000, gid: 1001, additionalGids: [1002, 1003] }; },
    script: 'id -u; id -g; id -G',
    expect: '1000\n1001\n1001 1002 1003\n',
  },
  { what: 'without process.user.umask the umask is 0022, as in runc', script: 'umask', expect: '0022\n' },
  { what: 'process.user.umask is the umask', edit: (c) => { c.process.user.umask = 0o077; }, script: 'umask', expect: '0077\n' },
  {
    what: 'an RLIMIT_NOFILE rlimit shows in /proc/self/limits',
    edit: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }]; },
    script: "grep 'Max open files' /proc/self/limits",
    expect: /^Max open files\s+512\s+1024\s+files\s*$/,
  },
  { what: 'noNewPrivileges: true sets NoNewPrivs', edit: (c) => { c.process.noNewPrivileges = true; }, script: 'grep NoNewPrivs /proc/self/status', expect: 'NoNewPrivs:\t1\n' },
  { what: 'noNewPrivileges: false leaves NoNewPrivs off', edit: (c) => { c.process.noNewPrivileges = false; }, script: 'grep NoNewPrivs /proc/self/status', expect: 'NoNewPrivs:\t0\n' },
  // Positive: lowering the score needs CAP_SYS_RESOURCE, which the runtime may lack itself (in a container).
  { what: 'oomScoreAdj is the oom_score_adj', edit: (c) => { c.process.oomScoreAdj = 500; }, script: 'cat /proc/self/oom_score_adj', expect: '500\n' },
  {
    what: 'a net sysctl in the new network namespace',
    sysctl: { 'net.ipv4.ip_forward': '1' },
    script: 'cat /proc/sys/net/ipv4/ip_forward',
    expect: '1\n',
  },
  {
    what: 'an ipc sysctl in the new ipc namespace',
    sysctl: { 'kernel.shmmni': '1024' },
    script: 'cat /proc/sys/kernel/shmmni',
    expect: '1024\n',
  },
  {
    what: 'kernel.domainname in the new uts namespace',
    sysctl: { 'kernel.domainname': 'example.org' },
    script: 'cat /proc/sys/kernel/domainname',
    expect: 'example.org\n',
  },
  {
    // runc's default config makes /proc/sys read-only: sysctls are written before that.
    what: 'sysctls with /proc/sys read-only (readonlyPaths)',
    edit: (c) => { c.linux.readonlyPaths = ['/proc/sys']; },
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1024' },
    script: 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; echo 0 2>/dev/null > /proc/sys/kernel/shmmni || echo read-only',
    expect: '1\n1024\nread-only\n',
  },
];

for (const { what, edit, sysctl, script, expect } of SEEN_INSIDE) {
  test(`inside: ${what}`, async (t) => {
    const hostBefore = Object.keys(sysctl ?? {}).map(hostSysctl);
    const stdout = await output(t, shell(script, (c) => {
      edit?.(c);
      if (sysctl) c.linux.sysctl = sysctl;
    }));
    if (expect instanceof RegExp) t.regex(stdout.trim(), expect);
    else t.is(stdout, expect);
    t.deepEqual(Object.keys(sysctl ?? {}).map(hostSysctl), hostBefore, "the host's sysctls are unchanged");
  });
}

// ---------------------------------------------------------------- rejected

const escapePointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const withSysctl = (key, dropNamespace) => (c) => {
  c.linux.sysctl = { [key]: '1' };
  if (dropNamespace) c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== dropNamespace);
  if (dropNamespace === 'uts') delete c.hostname; // which would be rejected for the same reason
};
const sysctlCase = (what, key, dropNamespace, extra) =>
  ({ what, edit: withSysctl(key, dropNamespace), pointer: `/linux/sysctl/${escapePointer(key)}`, ...extra });

const REJECTED = [
  sysctlCase('a sysctl in no namespace', 'vm.swappiness'),
  sysctlCase('a net sysctl without a network namespace', 'net.ipv4.ip_forward', 'network'),
  sysctlCase('an ipc sysctl without an ipc namespace', 'kernel.shmmni', 'ipc'),
  sysctlCase('kernel.domainname without a uts namespace', 'kernel.domainname', 'uts'),
  sysctlCase('kernel.hostname (the hostname field sets it)', 'kernel.hostname'),
  sysctlCase('a sysctl this kernel does not have (the init fails to write it)', 'net.ipv4.tsrunc_no_such_sysctl'),
  // runc turns every "." into "/" and accepts "/" as it is; tsrunc refuses a "/" (it could climb with "..").
  sysctlCase('a sysctl key with "/"', 'net/ipv4/ip_forward', undefined, { tsruncOnly: true }),
  {
    what: 'an effective capability that is not permitted',
    edit: (c) => { c.process.capabilities = { effective: ['CAP_KILL'] }; },
    pointer: '/process/capabilities/effective/0',
  },
  {
    // runc only warns and ignores an unknown name: a typo would silently drop a capability.
    what: 'an unknown capability', tsruncOnly: true,
    edit: (c) => { c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_FOO'] }; },
    pointer: '/process/capabilities/bounding/1',
  },
  { what: 'oomScoreAdj above 1000', edit: (c) => { c.process.oomScoreAdj = 1001; }, pointer: '/process/oomScoreAdj' },
];

for (const { what, edit, pointer, tsruncOnly } of REJECTED) {
  const define = tsruncOnly && !isTsrunc ? test.skip : test;
  define(`create rejects ${what}, leaving nothing behind`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle(edit);
    const id = rt.id('bad');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0, 'create must fail');
    if (isTsrunc) t.true(r.stderr.includes(pointer), `stderr names ${pointer}:\n${r.stderr}`);
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
  });
}

test('a non-root process.user owns its stdio pipes (it can reopen /dev/stdin), as under runc', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.args = ['sh', '-c', 'stat -L -c "%u %F" /proc/self/fd/0; cat /dev/stdin'];
  });
  // A real pipe as the runtime's stdin (Node's own 'pipe' stdio is a socket, which nobody can reopen).
  const { stdout, stderr } = await promisify(execFile)('sh', ['-c', `printf 'through-stdin\\n' | ${RUNTIME} --root ${rt.root} run --bundle ${bundle.dir} ${rt.id('pipes')}`],
    { timeout: 60000 });
  t.is(stdout, '1000 fifo\nthrough-stdin\n', stderr);
});

(isTsrunc ? test : test.skip)('a host file given as stdout stays root\'s (runc 1.1 chowns it to the container\'s user with create and run -d)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.args = ['sh', '-c', 'echo written'];
  });
  const id = rt.id('file');
  const r = await rt.runtime(['run', '-d', '--bundle', bundle.dir, id]); // the harness's stdout is a file
  t.is(r.code, 0, r.stderr);
  await rt.waitForStatus(id, 'stopped');
  const files = fs.readdirSync(rt.base).filter((f) => f.endsWith('.stdout'));
  t.true(files.some((f) => fs.readFileSync(path.join(rt.base, f), 'utf8') === 'written\n'));
  t.deepEqual([...new Set(files.map((f) => fs.statSync(path.join(rt.base, f)).uid))], [0]);
});
