'use strict';
// linux.resources as the kernel enforces them on a pure cgroup v2 host: what a process inside
// the container runs into, or what the container's cgroup accounts.
const test = require('ava');
const { useRuntime, isTsrunc, sleep, waitFor } = require('../helpers/runtime');
const { MiB, SLOW, WAIT_GO, shell, cgroupOf, readCgroup, keyed, loopDevice, ioDir, streamEvents } = require('./helpers');

const tsruncOnly = isTsrunc ? test : test.skip;
const loop = loopDevice();
const lines = (text) => text.trim().split('\n');

// Containers that run to completion: `resources` applied, `script` run, its output checked.
const RUNS = [
  {
    title: 'pids.limit 10: the fork of an 11th process fails',
    resources: { pids: { limit: 10 } },
    // sh is process 1 of 10: nine sleeps start, the tenth fork is refused.
    script: 'i=0; while [ $i -lt 20 ]; do sleep 60 & i=$((i+1)); echo $i; done',
    check: (t, r) => {
      t.is(lines(r.stdout).pop(), '9');
      t.regex(r.stderr, /can't fork: Resource temporarily unavailable/);
    },
  },
  {
    title: 'cpu.cpus "0": the container runs on CPU 0 only',
    resources: { cpu: { cpus: '0' } },
    script: 'grep Cpus_allowed_list /proc/self/status',
    check: (t, r) => t.regex(r.stdout, /^Cpus_allowed_list:\s+0\n$/),
  },
  {
    title: 'a blockIO throttle rule is a line of io.max (seen through a cgroup namespace)',
    resources: { blockIO: { throttleReadBpsDevice: [{ major: loop.major, minor: loop.minor, rate: 1048576 }] } },
    patch: (c) => {
      c.linux.namespaces.push({ type: 'cgroup' });
      c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'ro'] });
    },
    script: 'cat /sys/fs/cgroup/io.max',
    check: (t, r) => t.is(r.stdout, `${loop.dev} rbps=1048576 wbps=max riops=max wiops=max\n`),
  },
  {
    title: 'the device filter keeps a block device the container mknods itself closed',
    resources: {},
    patch: (c) => {
      const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    },
    script: `mknod /dev/disk b ${loop.major} ${loop.minor} && head -c1 /dev/disk; echo "head: $?"`,
    check: (t, r) => {
      t.is(r.stdout, 'head: 1\n');
      t.regex(r.stderr, /\/dev\/disk: Operation not permitted/);
    },
  },
  {
    // Docker's default list: deny all, allow its own, deny fuse; runc's built-ins ("c *:* m") after.
    title: 'Docker\'s default device list: /dev/fuse can be made but not opened, /dev/zero opens',
    resources: { devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
    ] },
    patch: (c) => {
      const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    },
    script: 'mknod /dev/fuse c 10 229 && echo made; head -c1 /dev/fuse; echo "fuse: $?"; head -c1 /dev/zero >/dev/null; echo "zero: $?"',
    check: (t, r) => {
      t.deepEqual(lines(r.stdout), ['made', 'fuse: 1', 'zero: 0']);
      t.regex(r.stderr, /\/dev\/fuse: Operation not permitted/);
    },
  },
  {
    // runc refuses a deny inside an earlier wildcard allow ("cannot punch hole"); tsrunc's eBPF
    // program evaluates the ordered rules, the last match deciding each access.
    tsruncOnly: true,
    title: 'a hole in a wildcard: allow c *:* rwm, then deny c 10:229 r - /dev/fuse does not open, /dev/kmsg does',
    resources: { devices: [{ allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'r' }] },
    patch: (c) => {
      const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE', 'CAP_SYSLOG'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    },
    script: 'mknod /dev/fuse c 10 229; head -c1 /dev/fuse; echo "fuse: $?"; mknod /dev/kmsg2 c 1 11; head -c1 /dev/kmsg2 >/dev/null 2>&1 </dev/null; echo "kmsg: $?"',
    check: (t, r) => {
      t.regex(r.stderr, /\/dev\/fuse: Operation not permitted/);
      t.deepEqual(lines(r.stdout), ['fuse: 1', 'kmsg: 0']);
    },
  },
];

for (const { title, resources, patch, script, check, tsruncOnly: only } of RUNS) {
  (only ? tsruncOnly : test)(title, async (t) => {
    const rt = useRuntime(t);
    const r = await rt.run(shell(script, (c) => {
      c.linux.resources = resources;
      patch?.(c);
    }), { timeout: SLOW });
    t.false(r.timedOut, 'run timed out');
    check(t, r);
  });
}

test('memory.limit 32 MiB: allocating 64 MiB is OOM-killed, and events reports the OOM', async (t) => {
  const rt = useRuntime(t);
  const io = ioDir(rt);
  // dd's 64 MiB buffer is filled from /dev/zero: 64 MiB of anonymous memory in one process.
  const { id } = await rt.startContainer(shell(`${WAIT_GO}; dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? > /io/status; sleep 600`, (c) => {
    c.linux.resources = { memory: { limit: 32 * MiB } };
    io.mount(c);
  }));
  const events = streamEvents(t, rt, id);
  await events.next('stats'); // the watcher is up before the allocation starts
  io.go();
  const status = await waitFor(() => io.read('status'), { timeout: SLOW, what: 'dd to finish' });
  t.is(status.trim(), '137', 'dd was killed by SIGKILL');
  const oom = await events.next('oom');
  t.like(oom, { type: 'oom', id });
});

test('cpu quota 10000/100000: a busy loop gets about 10% of a CPU', async (t) => {
  const rt = useRuntime(t);
  const { pid } = await rt.startContainer(shell('while :; do :; done', (c) => {
    c.linux.resources = { cpu: { quota: 10000, period: 100000 } };
  }));
  const dir = cgroupOf(pid);
  t.is(readCgroup(dir, 'cpu.max'), '10000 100000');
  const before = { ...keyed(readCgroup(dir, 'cpu.stat')), at: Date.now() };
  await sleep(3000);
  const after = { ...keyed(readCgroup(dir, 'cpu.stat')), at: Date.now() };
  const share = (after.usage_usec - before.usage_usec) / ((after.at - before.at) * 1000);
  t.log(`CPU share ${(share * 100).toFixed(1)}%, throttled ${after.nr_throttled - before.nr_throttled} of ${after.nr_periods - before.nr_periods} periods`);
  t.true(share > 0 && share < 0.35, `share ${share}`);
  t.true(after.nr_throttled > before.nr_throttled, 'the kernel throttled the loop');
});
