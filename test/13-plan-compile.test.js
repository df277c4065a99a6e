// The plan compiler is pure: these run without root and check the exact plan a config yields.
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');

const { compilePlan } = require('tsrunc');
const { parseMountOptions, MS, CLONE_NEW, MOUNT_ATTR } = require('tsrunc/internal');
const { tempDir } = require('./helpers/runtime');

const { planBundle: bundle } = require('./helpers/plan-bundle');

const base = (extra = {}) => ({
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'] },
  linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  ...extra,
});

test('mount options become flags, propagation and data in order', (t) => {
  const o = parseMountOptions(['nosuid', 'ro', 'rw', 'noexec', 'rprivate', 'size=64m', 'shared', 'mode=755']);
  t.is(o.flags, MS.NOSUID | MS.NOEXEC);
  t.deepEqual(o.propagation, [MS.PRIVATE | MS.REC, MS.SHARED]);
  t.deepEqual(o.data, ['size=64m', 'mode=755']);
});

test('recursive mount options become mount_setattr attributes; the last word wins; access time is one field', (t) => {
  const o = parseMountOptions(['rbind', 'rro', 'rnosuid', 'rnoatime', 'rnodev', 'rdev', 'size=1m']);
  t.is(o.attrSet, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME);
  t.is(o.attrClear, MOUNT_ATTR.ATIME | MOUNT_ATTR.NODEV);
  t.deepEqual(o.data, ['size=1m'], 'never passed to the filesystem');
  const back = parseMountOptions(['rro', 'rrw', 'rstrictatime', 'rrelatime']);
  t.is(back.attrSet, 0);
  t.is(back.attrClear, MOUNT_ATTR.RDONLY | MOUNT_ATTR.ATIME);
  t.deepEqual([parseMountOptions(['ro']).attrSet, parseMountOptions(['ro']).attrClear], [0, 0]);
});

test('namespaces: fresh ones become clone flags, ones with a path are joined', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({ linux: { namespaces: [{ type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/proc/1/ns/net' }] } }), dir, { id: 'x' });
  t.is(plan.cloneFlags, CLONE_NEW.mount | CLONE_NEW.uts);
  t.deepEqual(plan.joins, [{ type: 'network', flag: CLONE_NEW.network, path: '/proc/1/ns/net', pointer: '/linux/namespaces/2/path' }]);
});

test('linux.timeOffsets become the offsets of the new time namespace, checked clock by clock', (t) => {
  const dir = bundle(t);
  const withTime = (timeOffsets, namespaces = [{ type: 'mount' }, { type: 'time' }]) => base({ linux: { namespaces, timeOffsets } });
  const plan = compilePlan(withTime({ monotonic: { secs: -5, nanosecs: 7 }, boottime: { secs: 86400 } }), dir, { id: 'x' });
  t.deepEqual(plan.timeOffsets, [{ clock: 'monotonic', secs: -5, nanosecs: 7 }, { clock: 'boottime', secs: 86400, nanosecs: 0 }]);
  t.is(plan.cloneFlags & CLONE_NEW.time, CLONE_NEW.time);
  const pointerOf = (config) => t.throws(() => compilePlan(config, dir, { id: 'x' })).pointer;
  t.is(pointerOf(withTime({ realtime: { secs: 1 } })), '/linux/timeOffsets/realtime');
  t.is(pointerOf(withTime({ boottime: { nanosecs: 1e9 } })), '/linux/timeOffsets/boottime/nanosecs');
  t.is(pointerOf(withTime({ boottime: { secs: 1 } }, [{ type: 'mount' }])), '/linux/timeOffsets', 'offsets need a new time namespace');
});

test('the fields newer than the schema (ioPriority, scheduler, timeOffsets) refuse any other JSON with a pointer, never a TypeError (fuzz finds)', (t) => {
  const dir = bundle(t);
  const pointerOf = (config) => {
    const e = t.throws(() => compilePlan(config, dir, { id: 'x' }));
    t.is(e.code, 'CONFIG_INVALID', e.message);
    return e.pointer;
  };
  const withProcess = (extra) => base({ process: { args: ['sh'], cwd: '/', ...extra } });
  t.is(pointerOf(withProcess({ ioPriority: null })), '/process/ioPriority', 'null: "Cannot read properties of null (reading \'class\')" before');
  t.is(pointerOf(withProcess({ ioPriority: { class: 'constructor' } })), '/process/ioPriority/class', 'Object\'s own keys are no class');
  t.is(pointerOf(withProcess({ scheduler: 'SCHED_FIFO' })), '/process/scheduler');
  t.is(pointerOf(withProcess({ scheduler: { policy: 'toString' } })), '/process/scheduler/policy');
  t.is(pointerOf(withProcess({ scheduler: { policy: 'SCHED_OTHER', flags: ['constructor'] } })), '/process/scheduler/flags/0', 'a BigInt mixed with a function threw a TypeError before');
  t.is(pointerOf(withProcess({ scheduler: { policy: 'SCHED_OTHER', flags: 'SCHED_FLAG_RECLAIM' } })), '/process/scheduler/flags');
  t.is(pointerOf(withProcess({ scheduler: { policy: 'SCHED_OTHER', runtime: 0.5 } })), '/process/scheduler/runtime', 'a RangeError before');
  t.is(pointerOf(withProcess({ scheduler: { policy: 'SCHED_OTHER', priority: 'high' } })), '/process/scheduler/priority');
  const timeNs = [{ type: 'mount' }, { type: 'time' }];
  t.is(pointerOf(base({ linux: { namespaces: timeNs, timeOffsets: null } })), '/linux/timeOffsets');
  t.is(pointerOf(base({ linux: { namespaces: timeNs, timeOffsets: { monotonic: 5 } } })), '/linux/timeOffsets/monotonic');
});

test('a config without a mount namespace shares the runtime\'s; masked and read-only paths are refused then', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({ linux: { namespaces: [{ type: 'pid' }] } }), dir, { id: 'x' });
  t.true(plan.hostMountNamespace);
  t.false(compilePlan(base(), dir, { id: 'x' }).hostMountNamespace);
  const e = t.throws(() => compilePlan(base({ linux: { namespaces: [{ type: 'pid' }], maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] } }), dir, { id: 'x' }));
  t.is(e.code, 'CONFIG_INVALID');
  t.deepEqual(e.problems.map((p) => p.pointer), ['/linux/maskedPaths', '/linux/readonlyPaths']);
});

test('a mount namespace joined by path is accepted, unless it is the runtime\'s own', (t) => {
  const dir = bundle(t);
  const other = `/proc/${process.ppid}/ns/mnt`; // stands for any namespace file; compared by inode below
  const joinMount = (p) => base({ linux: { namespaces: [{ type: 'mount', path: p }, { type: 'pid' }] } });
  const isOwn = fs.statSync(other).ino === fs.statSync('/proc/self/ns/mnt').ino;
  if (!isOwn) t.deepEqual(compilePlan(joinMount(other), dir, { id: 'x' }).joins.map((j) => j.type), ['mount']);
  const e = t.throws(() => compilePlan(joinMount('/proc/self/ns/mnt'), dir, { id: 'x' }));
  t.is(e.pointer, '/linux/namespaces/0/path');
  t.regex(e.message, /runtime's own mount namespace/);
});

test('hostname in a UTS namespace joined by path is accepted, unless it is the runtime\'s own', (t) => {
  const dir = bundle(t);
  const joinUts = (extra) => base({ ...extra, linux: { namespaces: [{ type: 'mount' }, { type: 'uts', path: '/proc/self/ns/uts' }] } });
  const e = t.throws(() => compilePlan(joinUts({ hostname: 'h' }), dir, { id: 'x' }));
  t.is(e.pointer, '/linux/namespaces/1/path');
  t.regex(e.message, /runtime's own UTS namespace/);
  t.notThrows(() => compilePlan(joinUts({}), dir, { id: 'x' }), 'joining it without setting a name is fine');
});

test('"/" is made a recursive slave before anything is mounted, whatever rootfsPropagation says', (t) => {
  const dir = bundle(t);
  for (const value of ['shared', 'private', 'slave', 'unbindable']) {
    const plan = compilePlan(base({ linux: { namespaces: [{ type: 'mount' }], rootfsPropagation: value } }), dir, { id: 'x' });
    t.is(plan.rootPropagation, MS.SLAVE | MS.REC, value);
    t.not(plan.rootfsPropagation, 0, value);
  }
});

test('bind mounts: source resolved against the bundle, flags split into bind + remount', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({
    mounts: [
      { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nosuid', 'rslave'] },
      { destination: 'etc/file.txt', type: 'bind', source: path.join(dir, 'file.txt'), options: ['bind'] },
    ],
  }), dir, { id: 'x' });
  const [d, f] = plan.mounts;
  t.is(d.source, path.join(dir, 'data'));
  t.is(d.flags, MS.BIND | MS.REC);
  t.is(d.remountFlags, MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID, 'the whole second mount(2) call, decided here');
  t.deepEqual(d.propagation, [MS.SLAVE | MS.REC]);
  t.is(d.createAs, 'dir');
  t.is(f.createAs, 'file');
  t.is(f.destination, '/etc/file.txt', 'relative destination is taken relative to /');
  t.is(f.remountFlags, 0);
  t.is(d.fallback, null);
});

test('a bind mount source must exist (absolute or relative to the bundle)', (t) => {
  const dir = bundle(t);
  const compile = (source) => compilePlan(base({ mounts: [{ destination: '/x', type: 'bind', source, options: ['rbind'] }] }), dir, { id: 'x' });
  const absolute = t.throws(() => compile('/nonexistent/tsrunc-test'));
  t.deepEqual(absolute.problems, [{ pointer: '/mounts/0/source', message: 'bind mount source /nonexistent/tsrunc-test does not exist' }]);
  const relative = t.throws(() => compile('missing'));
  t.deepEqual(relative.problems, [{ pointer: '/mounts/0/source', message: `bind mount source ${path.join(dir, 'missing')} does not exist` }]);
  t.is(compile('data').mounts[0].source, path.join(dir, 'data'));
});

test('filesystem mounts keep their data; sysfs falls back to a bind without a network namespace', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({
    mounts: [
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'mode=1777'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro', 'nosuid', 'noatime'] },
    ],
  }), dir, { id: 'x' });
  t.like(plan.mounts[0], { fstype: 'tmpfs', flags: MS.NOSUID, data: 'size=1m,mode=1777', fallback: null });
  // The fallback bind gets the flags the sysfs mount asked for, through the same remount as any bind.
  t.like(plan.mounts[1], { fstype: 'sysfs', flags: MS.RDONLY | MS.NOSUID | MS.NOATIME,
    fallback: { source: '/sys', flags: MS.BIND | MS.REC, remountFlags: MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID | MS.NOATIME } });
  const ownNet = compilePlan(base({
    mounts: [{ destination: '/sys', type: 'sysfs', source: 'sysfs' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'network' }] },
  }), dir, { id: 'x' });
  t.is(ownNet.mounts[0].fallback, null, 'with its own network namespace sysfs mounts as itself');
});

test('default devices are created unless /dev is bind-mounted; linux.devices override by path', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({ linux: { namespaces: [{ type: 'mount' }], devices: [{ type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 }] } }), dir, { id: 'x' });
  t.true(plan.setupDev);
  const nul = plan.devices.find((d) => d.path === '/dev/null');
  t.is(nul.mode, 0o020000 | 0o600);
  t.is(nul.pointer, '/linux/devices/0');
  t.true(plan.devices.some((d) => d.path === '/dev/urandom' && d.major === 1 && d.minor === 9));
  // Paths are cleaned before they are compared (and the init gets them clean).
  const unclean = compilePlan(base({ linux: { namespaces: [{ type: 'mount' }], devices: [{ type: 'c', path: 'dev/../dev/./zero', major: 1, minor: 5, fileMode: 0o600 }] } }), dir, { id: 'x' });
  t.deepEqual(unclean.devices.filter((d) => d.path.endsWith('zero')).map((d) => [d.path, d.mode]), [['/dev/zero', 0o020000 | 0o600]]);

  const bound = compilePlan(base({ mounts: [{ destination: '/dev', type: 'bind', source: 'data', options: ['rbind'] }] }), dir, { id: 'x' });
  t.false(bound.setupDev);
  t.deepEqual(bound.devices, []);
});

test('rlimits keep 64-bit values exactly; unknown names are config errors', (t) => {
  const dir = bundle(t);
  const max = 2n ** 64n - 1n;
  const plan = compilePlan(base({ process: { ...base().process, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: max }] } }), dir, { id: 'x' });
  t.deepEqual(plan.process.rlimits[0], { resource: 7, soft: '1024', hard: '18446744073709551615', pointer: '/process/rlimits/0' });
  const e = t.throws(() => compilePlan(base({ process: { ...base().process, rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] } }), dir, { id: 'x' }));
  t.is(e.pointer, '/process/rlimits/0/type');
});

test('process defaults match runc: uid/gid 0, umask 0022; the plan is plain JSON', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({ hostname: 'h' }), dir, { id: 'x' });
  t.like(plan.process, { uid: 0, gid: 0, umask: 0o022, cwd: '/', noNewPrivileges: false });
  t.is(plan.rootPropagation, MS.SLAVE | MS.REC);
  t.is(plan.rootfs, fs.realpathSync(path.join(dir, 'rootfs')));
  t.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
});

const withProcess = (extra) => base({ process: { ...base().process, ...extra } });

test('process.capabilities become masks; none given means none (as runc); oomScoreAdj is passed on', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(withProcess({ capabilities: { bounding: ['CAP_KILL'], permitted: ['CAP_KILL'] }, oomScoreAdj: 500 }), dir, { id: 'x' });
  t.deepEqual(plan.process.capabilities, { bounding: '32', effective: '0', inheritable: '0', permitted: '32', ambient: '0' });
  t.is(plan.process.oomScoreAdj, 500);
  const none = { bounding: '0', effective: '0', inheritable: '0', permitted: '0', ambient: '0' };
  t.like(compilePlan(base(), dir, { id: 'x' }).process, { capabilities: none, oomScoreAdj: null });
});

test('compile warnings go to options.warnings; capLastCap stands in for the kernel', (t) => {
  const dir = bundle(t);
  const warnings = [];
  const plan = compilePlan(withProcess({ capabilities: { bounding: ['CAP_KILL', 'CAP_BPF'] } }), dir, { id: 'x', capLastCap: 38, warnings });
  t.is(plan.process.capabilities.bounding, '32');
  t.deepEqual(warnings.map((w) => w.pointer), ['/process/capabilities/bounding']);
});

test('capability, oomScoreAdj and sysctl problems are reported together with the others', (t) => {
  const dir = bundle(t);
  const e = t.throws(() => compilePlan(base({
    process: { ...base().process, capabilities: { ambient: ['CAP_NOPE'] }, oomScoreAdj: 1001 },
    linux: { namespaces: [{ type: 'pid' }], sysctl: { 'net.ipv4.ip_forward': '1' } },
  }), dir, { id: 'x' }));
  t.is(e.code, 'CONFIG_INVALID');
  t.deepEqual(e.problems.map((p) => p.pointer).sort(), [
    '/linux/sysctl/net.ipv4.ip_forward', '/process/capabilities/ambient/0', '/process/oomScoreAdj',
  ]);
});

test('linux.sysctl: namespaced keys become /proc/sys writes', (t) => {
  const dir = bundle(t);
  const plan = compilePlan(base({ linux: { namespaces: [{ type: 'mount' }, { type: 'ipc' }], sysctl: { 'kernel.shmmni': '1024' } } }), dir, { id: 'x' });
  t.deepEqual(plan.sysctl, [{ path: '/proc/sys/kernel/shmmni', value: '1024', pointer: '/linux/sysctl/kernel.shmmni' }]);
  t.deepEqual(compilePlan(base(), dir, { id: 'x' }).sysctl, []);
});

test("linux.sysctl: a net key is refused when the joined network namespace is the runtime's own", (t) => {
  const dir = bundle(t);
  const linux = { namespaces: [{ type: 'mount' }, { type: 'network', path: `/proc/${process.pid}/ns/net` }], sysctl: { 'net.ipv4.ip_forward': '1' } };
  const e = t.throws(() => compilePlan(base({ linux }), dir, { id: 'x' }));
  t.is(e.pointer, '/linux/sysctl/net.ipv4.ip_forward');
});
