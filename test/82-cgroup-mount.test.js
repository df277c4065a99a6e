'use strict';
// A mount of type "cgroup" shows the container its own cgroups and nothing of the host's, on this
// host's layout (hybrid or legacy here; the unified layout is covered in test/cgroup-v2): with and
// without a cgroup namespace, read-only and with `ro` dropped. On v1/hybrid, runc's layout: a tmpfs
// with one directory per hierarchy, links for co-mounted controllers, and the limits readable where
// programs look for them (`/sys/fs/cgroup/memory/memory.limit_in_bytes`).
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, hostMounts } = require('./helpers/runtime');

const V1 = /^\d+:[^:]+:/m.test(fs.readFileSync('/proc/self/cgroup', 'utf8')) && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
const v1Test = V1 ? test : test.skip;
const HYBRID = V1 && fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs');
const LIMIT = 64 * 1024 * 1024;

// The container prints what it sees under /sys/fs/cgroup, and tries to write to the host's view.
const PROBE = [
  'cd /sys/fs/cgroup',
  'echo "list: $(ls | tr "\\n" " ")"',
  'echo "cpu: $(readlink cpu)"',
  'echo "limit: $(cat memory/memory.limit_in_bytes)"',
  'echo "procs: $(cat memory/cgroup.procs | tr "\\n" " ")"',
  'echo "subdirs: $(find memory -mindepth 1 -type d | wc -l)"',
  'echo "unified: $(cat unified/cgroup.procs 2>/dev/null | tr "\\n" " ")"',
  'echo "mounts: $(grep -c " /sys/fs/cgroup" /proc/self/mountinfo)"',
  'if echo 1 > memory/cgroup.procs 2>/dev/null; then echo "write: ok"; else echo "write: refused"; fi',
].join('; ');

// The host's mounts outside the temp dirs where other test files (running alongside this one) make
// and remove their own mounts: what a leaked cgroup mount would change.
const os = require('node:os');
const path = require('node:path');
const ownMounts = () => hostMounts().filter((m) => !m.mountPoint.startsWith(path.join(os.tmpdir(), '/')));

const field = (out, name) => (new RegExp(`^${name}: ?(.*)$`, 'm').exec(out) ?? [])[1]?.trim();

async function runProbe(t, { options, cgroupns }) {
  const rt = useRuntime(t);
  const mountsBefore = ownMounts().length;
  const r = await rt.run((c) => {
    c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options });
    if (cgroupns) c.linux.namespaces.push({ type: 'cgroup' });
    c.linux.resources = { memory: { limit: LIMIT } };
    c.process.args = ['sh', '-c', PROBE];
  });
  t.is(r.code, 0, r.stderr);
  t.is(ownMounts().length, mountsBefore, 'the host\'s mount table is unchanged');
  return r.stdout;
}

for (const [what, options, cgroupns] of [
  ['read-only, no cgroup namespace', ['ro', 'nosuid', 'noexec', 'nodev'], false],
  ['ro dropped, no cgroup namespace', ['nosuid', 'noexec', 'nodev'], false],
  ['read-only, own cgroup namespace', ['ro', 'nosuid', 'noexec', 'nodev'], true],
  ['ro dropped, own cgroup namespace', ['nosuid', 'noexec', 'nodev'], true],
]) {
  v1Test(`cgroup mount on v1/hybrid (${what}): each hierarchy, only the container's own cgroup`, async (t) => {
    const out = await runProbe(t, { options, cgroupns });
    const list = field(out, 'list').split(' ');
    for (const h of ['memory', 'pids', 'freezer', 'devices']) t.true(list.includes(h), `${h} in ${list}`);
    if (list.includes('cpu,cpuacct')) t.is(field(out, 'cpu'), 'cpu,cpuacct', 'co-mounted controllers are linked, as runc links them');
    t.is(field(out, 'limit'), String(LIMIT), 'the container\'s own memory cgroup');
    // Only the container's processes (its sh and the pipeline reading the file: small pids of its
    // own pid namespace), nothing of the host's.
    const procs = field(out, 'procs').split(' ').filter(Boolean).map(Number);
    t.true(procs.includes(1) && procs.length <= 6 && procs.every((p) => p < 20), out);
    t.is(field(out, 'subdirs'), '0', 'no other cgroup is visible');
    if (HYBRID && isTsrunc) {
      const unified = field(out, 'unified').split(' ').filter(Boolean).map(Number);
      t.true(unified.includes(1) && unified.every((p) => p < 20), `the cgroup2 tree: its own cgroup\n${out}`);
    }
    t.is(field(out, 'write'), options.includes('ro') ? 'refused' : 'ok');
  });
}

v1Test('a cgroup mount of a container whose cgroup namespace is joined shows that namespace\'s root', async (t) => {
  // Covered by the cgroupns cases above for a new namespace; a joined one gets fresh mounts too.
  const rt = useRuntime(t);
  const { pid } = await rt.startContainer((c) => { c.linux.namespaces.push({ type: 'cgroup' }); c.process.args = ['sleep', '1000']; });
  const r = await rt.run((c) => {
    c.linux.namespaces.push({ type: 'cgroup', path: `/proc/${pid}/ns/cgroup` });
    c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] });
    c.process.args = ['sh', '-c', 'ls /sys/fs/cgroup/memory/memory.limit_in_bytes'];
  });
  t.is(r.code, 0, r.stderr);
});

(isTsrunc ? test : test.skip)('the plan: tmpfs, one bind per hierarchy from the container\'s own cgroup, links, read-only last', (t) => {
  const { placeCgroupMounts } = require('tsrunc/internal');
  const cgroupMount = { destination: '/sys/fs/cgroup', source: 'cgroup', fstype: 'cgroup', flags: 0x1 | 0x2 | 0x4 | 0x8, data: '', remountFlags: 0, propagation: [], attrSet: 0, attrClear: 0, createAs: 'dir', fallback: null, links: [], pointer: '/mounts/6' };
  const view = { unified: false, namespace: false, hierarchies: [
    { name: 'cpu,cpuacct', fstype: 'cgroup', data: 'cpu,cpuacct', dir: '/sys/fs/cgroup/cpu,cpuacct/c1' },
    { name: 'unified', fstype: 'cgroup2', data: '', dir: '/sys/fs/cgroup/unified/c1' },
  ] };
  const ops = placeCgroupMounts([cgroupMount], view);
  t.deepEqual(ops.map((o) => [o.destination, o.fstype || 'bind', o.source]), [
    ['/sys/fs/cgroup', 'tmpfs', 'tmpfs'],
    ['/sys/fs/cgroup/cpu,cpuacct', 'bind', '/sys/fs/cgroup/cpu,cpuacct/c1'],
    ['/sys/fs/cgroup/unified', 'bind', '/sys/fs/cgroup/unified/c1'],
    ['/sys/fs/cgroup', 'bind', ''],
  ]);
  t.deepEqual(ops[0].links, [{ path: '/sys/fs/cgroup/cpu', target: 'cpu,cpuacct' }, { path: '/sys/fs/cgroup/cpuacct', target: 'cpu,cpuacct' }]);
  t.true(ops.every((o) => o.pointer === '/mounts/6'));
  // A unified host without a cgroup namespace: the container's own cgroup2 directory, bound.
  const [v2] = placeCgroupMounts([cgroupMount], { unified: true, namespace: false, hierarchies: [{ name: '', fstype: 'cgroup2', data: '', dir: '/sys/fs/cgroup/c1' }] });
  t.is(v2.source, '/sys/fs/cgroup/c1');
  t.is(v2.remountFlags & 0x1, 0x1, 'read-only kept');
  t.is(placeCgroupMounts([cgroupMount], { unified: true, namespace: true, hierarchies: [] })[0].fstype, 'cgroup2');
});
