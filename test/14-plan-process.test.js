'use strict';
// The pure pieces of the process plan: capability names -> masks, sysctl keys -> /proc/sys writes.
// No root needed; what the kernel makes of the result is tested from inside containers in 70-*.
const test = require('ava');
const fs = require('node:fs');

const {
  CAPABILITIES, capabilityNames, compileCapabilities, compileSysctl, isRuntimeNamespace,
  ownNamespaces, sysctlNamespace
} = require('tsrunc/internal');
const { inAllSets } = require('./helpers/config');

const LAST_CAP = 40; // CAP_CHECKPOINT_RESTORE, the newest capability tsrunc knows

/** compileCapabilities with fresh problem/warning lists: {masks, problems, warnings}. */
function capabilities(caps, capLastCap = LAST_CAP) {
  const problems = [];
  const warnings = [];
  const masks = compileCapabilities(caps, capLastCap, problems, warnings);
  return { masks, problems, warnings };
}

const mask = (...bits) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString();

test('capability numbers follow <linux/capability.h>', (t) => {
  t.is(CAPABILITIES.length, 41);
  for (const [name, n] of [['CAP_CHOWN', 0], ['CAP_KILL', 5], ['CAP_NET_BIND_SERVICE', 10], ['CAP_SYS_ADMIN', 21],
    ['CAP_AUDIT_WRITE', 29], ['CAP_SETFCAP', 31], ['CAP_MAC_OVERRIDE', 32], ['CAP_CHECKPOINT_RESTORE', 40]]) {
    t.is(CAPABILITIES.indexOf(name), n, name);
  }
  t.deepEqual(capabilityNames((1n << 5n) | (1n << 40n)), ['CAP_KILL', 'CAP_CHECKPOINT_RESTORE']);
});

test('no capabilities object compiles to empty sets, as runc does', (t) => {
  const none = { bounding: '0', effective: '0', inheritable: '0', permitted: '0', ambient: '0' };
  t.deepEqual(capabilities(undefined), { masks: none, problems: [], warnings: [] });
});

test('an empty capabilities object compiles to empty sets', (t) => {
  const zero = mask();
  t.deepEqual(capabilities({}).masks, { bounding: zero, effective: zero, inheritable: zero, permitted: zero, ambient: zero });
});

test('each set becomes a 64-bit mask in a decimal string, above 2^32 too', (t) => {
  const { masks, problems, warnings } = capabilities(inAllSets(['CAP_KILL', 'CAP_MAC_OVERRIDE', 'CAP_CHECKPOINT_RESTORE']));
  t.deepEqual(problems, []);
  t.deepEqual(warnings, []);
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) t.is(masks[set], mask(5, 32, 40), set);
});

test("runc's default set: ambient capabilities that are not inheritable are not raised, with a warning", (t) => {
  const names = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const { masks, problems, warnings } = capabilities({ bounding: names, effective: names, permitted: names, ambient: names });
  t.deepEqual(problems, []);
  t.like(masks, { bounding: mask(5, 10, 29), effective: mask(5, 10, 29), permitted: mask(5, 10, 29), inheritable: mask(), ambient: mask() });
  t.is(warnings.length, 1);
  t.is(warnings[0].pointer, '/process/capabilities/ambient');
  t.regex(warnings[0].message, /CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE.*permitted and inheritable/);
});

test('an unknown capability name is an error pointing at the entry', (t) => {
  const { problems } = capabilities({ bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_FOO'], effective: ['cap_kill'] });
  t.deepEqual(problems, [
    { pointer: '/process/capabilities/bounding/3', message: 'unknown capability "CAP_FOO"' },
    { pointer: '/process/capabilities/effective/0', message: 'unknown capability "cap_kill"' },
  ]);
});

test('a capability newer than the kernel is skipped with a warning, as runc does', (t) => {
  const { masks, problems, warnings } = capabilities({ bounding: ['CAP_KILL', 'CAP_BPF', 'CAP_PERFMON'] }, 37);
  t.deepEqual(problems, []);
  t.is(masks.bounding, mask(5));
  t.deepEqual(warnings, [{
    pointer: '/process/capabilities/bounding',
    message: 'skipping CAP_BPF, CAP_PERFMON: this kernel knows capabilities up to number 37 only',
  }]);
});

test('an effective capability that is not permitted is an error (capset would refuse it)', (t) => {
  const { problems } = capabilities({ effective: ['CAP_KILL', 'CAP_CHOWN'], permitted: ['CAP_KILL'] });
  t.is(problems.length, 1);
  t.is(problems[0].pointer, '/process/capabilities/effective/1');
  t.regex(problems[0].message, /CAP_CHOWN.*not permitted/);
});

for (const [key, ns] of [
  ['net.ipv4.ip_forward', 'network'], ['net.core.somaxconn', 'network'],
  ['kernel.shmmni', 'ipc'], ['kernel.shm_rmid_forced', 'ipc'], ['kernel.msgmax', 'ipc'], ['kernel.sem', 'ipc'],
  ['fs.mqueue.msg_max', 'ipc'], ['kernel.domainname', 'uts'],
  ['kernel.semx', undefined], ['vm.swappiness', undefined], ['kernel.pid_max', undefined], ['fs.file-max', undefined],
]) {
  test(`sysctl ${key} belongs to ${ns ? `the ${ns} namespace` : 'no namespace'}`, (t) => {
    t.is(sysctlNamespace(key), ns);
  });
}

/** compileSysctl with a fresh problem list: {writes, problems}. */
function sysctl(entries, own = ['network', 'ipc', 'uts']) {
  const problems = [];
  const writes = compileSysctl(entries, new Set(own), problems);
  return { writes, problems };
}

test('namespaced sysctls become /proc/sys writes in config order, with their pointer', (t) => {
  t.deepEqual(sysctl({ 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1024', 'kernel.domainname': 'example.org' }), {
    problems: [],
    writes: [
      { path: '/proc/sys/net/ipv4/ip_forward', value: '1', pointer: '/linux/sysctl/net.ipv4.ip_forward' },
      { path: '/proc/sys/kernel/shmmni', value: '1024', pointer: '/linux/sysctl/kernel.shmmni' },
      { path: '/proc/sys/kernel/domainname', value: 'example.org', pointer: '/linux/sysctl/kernel.domainname' },
    ],
  });
});

for (const { what, key, own, reason } of [
  { what: 'a global sysctl', key: 'vm.swappiness', reason: /not in a separate kernel namespace/ },
  { what: 'a net sysctl without a network namespace', key: 'net.ipv4.ip_forward', own: ['ipc', 'uts'], reason: /needs the container's own network namespace/ },
  { what: 'an ipc sysctl without an ipc namespace', key: 'kernel.shmmni', own: ['network', 'uts'], reason: /needs the container's own ipc namespace/ },
  { what: 'kernel.domainname without a uts namespace', key: 'kernel.domainname', own: ['network', 'ipc'], reason: /needs the container's own uts namespace/ },
  { what: 'kernel.hostname (the /hostname field sets it)', key: 'kernel.hostname', reason: /conflicts with \/hostname/ },
  { what: 'a key with "/"', key: 'net/ipv4/ip_forward', reason: /"\/" is not allowed/ },
  { what: 'a key that climbs out of /proc/sys', key: 'net.ipv4/../../../etc/passwd', reason: /"\/" is not allowed/ },
  { what: 'a key with an empty component', key: 'net..ipv4', reason: /empty component/ },
  { what: 'a key ending in "."', key: 'net.ipv4.', reason: /empty component/ },
]) {
  test(`sysctl: ${what} is rejected with its pointer`, (t) => {
    const { writes, problems } = sysctl({ [key]: '1' }, own);
    t.deepEqual(writes, []);
    t.is(problems.length, 1);
    t.is(problems[0].pointer, '/linux/sysctl/' + key.replace(/~/g, '~0').replace(/\//g, '~1'));
    t.regex(problems[0].message, reason);
  });
}

test("a namespace is the container's own when fresh, or joined but not the runtime's", (t) => {
  const joins = [
    { type: 'network', flag: 0x40000000, path: '/run/netns/other', pointer: '/linux/namespaces/0/path' },
    { type: 'ipc', flag: 0x08000000, path: '/proc/1/ns/ipc', pointer: '/linux/namespaces/1/path' },
  ];
  const own = ownNamespaces(new Set(['mount', 'uts']), joins, (j) => j.path.startsWith('/proc/1/'));
  t.deepEqual([...own].sort(), ['mount', 'network', 'uts']);
});

test("the runtime's own network namespace is recognised by its inode, under any path", (t) => {
  const join = (path) => ({ type: 'network', flag: 0x40000000, path, pointer: '/linux/namespaces/0/path' });
  t.true(isRuntimeNamespace(join(`/proc/${process.pid}/ns/net`)));
  t.false(isRuntimeNamespace(join('/tsrunc-test-no-such-namespace')));
  const notNet = fs.existsSync('/proc/self/ns/ipc') ? '/proc/self/ns/ipc' : '/';
  t.false(isRuntimeNamespace(join(notNet)), 'another namespace type is a different inode');
});
