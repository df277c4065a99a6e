'use strict';
// The root filesystem and /dev the container gets: read-only root, default devices and links,
// linux.devices, namespaces joined by path (mount and uts too), rootfs propagation, and the
// process's cwd/env/domainname.
const fs = require('node:fs');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, output, hostMounts, waitFor } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

for (const readonly of [true, false]) {
  test(`root.readonly=${readonly}: writing to / ${readonly ? 'fails' : 'works'}`, async (t) => {
    const rt = useRuntime(t);
    const r = await rt.run((c) => {
      c.root.readonly = readonly;
      c.process.args = ['sh', '-c', 'touch /written && echo ok'];
    });
    if (readonly) {
      t.not(r.code, 0);
      t.regex(r.stderr + r.stdout, /Read-only file system/i);
    } else {
      t.is(r.code, 0, r.stderr);
      t.true(fs.existsSync(`${r.bundle.rootfs}/written`));
    }
  });
}

test('the default devices are character devices with the standard numbers', async (t) => {
  const rt = useRuntime(t);
  // stat: type, major, minor (hex), permissions
  const out = await output(t, shell('for d in null zero full random urandom tty; do stat -c "%n %F %t %T %a" /dev/$d; done'));
  t.deepEqual(out.trim().split('\n'), [
    '/dev/null character special file 1 3 666',
    '/dev/zero character special file 1 5 666',
    '/dev/full character special file 1 7 666',
    '/dev/random character special file 1 8 666',
    '/dev/urandom character special file 1 9 666',
    '/dev/tty character special file 5 0 666',
  ]);
  // The container's nodes are its own: the host's /dev/null is untouched.
  const st = fs.statSync('/dev/null');
  t.deepEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o666]);
});

test('the standard /dev links exist and work', async (t) => {
  const out = await output(t, shell('for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; echo via-stdout >> /dev/stdout'));
  t.deepEqual(out.trim().split('\n'), [
    'fd -> /proc/self/fd',
    'stdin -> /proc/self/fd/0',
    'stdout -> /proc/self/fd/1',
    'stderr -> /proc/self/fd/2',
    'ptmx -> pts/ptmx',
    'via-stdout',
  ]);
});

test('linux.devices creates nodes with the given type, numbers, mode and owner', async (t) => {
  const out = await output(t, (c) => {
    c.linux.devices = [
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 1000, gid: 1001 },
      { path: '/dev/sub/loopish', type: 'b', major: 7, minor: 99, fileMode: 0o600 },
      { path: '/dev/myfifo', type: 'p' },
    ];
    c.process.args = ['sh', '-c', 'stat -c "%n %F %t %T %a %u %g" /dev/fuse /dev/sub/loopish /dev/myfifo'];
  });
  t.deepEqual(out.trim().split('\n'), [
    '/dev/fuse character special file a e5 640 1000 1001',
    '/dev/sub/loopish block special file 7 63 600 0 0',
    '/dev/myfifo fifo 0 0 666 0 0',
  ]);
});

test('process.cwd (created when missing) and process.env reach the process', async (t) => {
  const out = await output(t, (c) => {
    c.root.readonly = false;
    c.process.cwd = '/work/dir';
    c.process.env.push('GREETING=hello there');
    c.process.args = ['sh', '-c', 'pwd; echo "$GREETING"'];
  });
  t.deepEqual(out.trim().split('\n'), ['/work/dir', 'hello there']);
});

// runc 1.1 ignores `domainname` (it came in a later runc); the spec defines it.
(isTsrunc ? test : test.skip)('domainname is set in the UTS namespace', async (t) => {
  const out = await output(t, { domainname: 'example.test', process: { args: ['cat', '/proc/sys/kernel/domainname'] } });
  t.is(out, 'example.test\n');
});

test('a namespace given by path is joined, not created', async (t) => {
  const rt = useRuntime(t);
  const { pid } = await rt.startContainer(shell('sleep 60'));
  const hostView = fs.readlinkSync(`/proc/${pid}/ns/net`);
  const out = await output(t, (c) => {
    c.linux.namespaces = c.linux.namespaces.map((ns) => (ns.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : ns));
    c.process.args = ['readlink', '/proc/self/ns/net'];
  });
  t.is(out.trim(), hostView);
  t.not(out.trim(), fs.readlinkSync('/proc/self/ns/net'), 'not the host network namespace');
});

/** A process holding new namespaces (unshare(1) flags) to join: its pid. Killed after the test. */
async function namespaceHolder(t, flags) {
  const child = spawn('unshare', ['--fork', ...flags, 'sleep', '600'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  return waitFor(() => {
    try {
      const pid = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
      return pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep') && pid;
    } catch { return false; }
  }, { what: 'the namespace holder' });
}
const joinNs = (type, p) => (c) => {
  c.linux.namespaces = c.linux.namespaces.map((ns) => (ns.type === type ? { type, path: p } : ns));
};

// runc joins a mount namespace given by path and builds the rootfs there; tsrunc refused it before.
test('a mount namespace given by path is joined, and the rootfs is built in it', async (t) => {
  const rt = useRuntime(t);
  const holder = await namespaceHolder(t, ['--mount']);
  const out = await output(t, (c) => {
    joinNs('mount', `/proc/${holder}/ns/mnt`)(c);
    c.process.args = ['sh', '-c', 'readlink /proc/self/ns/mnt; cat /etc/os-release | head -1'];
  });
  const [ns, release] = out.trim().split('\n');
  t.is(ns, fs.readlinkSync(`/proc/${holder}/ns/mnt`));
  t.regex(release, /busybox/i, 'the container sees its own rootfs');
  t.deepEqual(hostMounts().filter((m) => m.mountPoint.startsWith(rt.base)), [], 'nothing mounted on the host');
});

(isTsrunc ? test : test.skip)('joining the runtime\'s own mount namespace is refused, naming the field', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(joinNs('mount', '/proc/self/ns/mnt'));
  t.not(r.code, 0);
  t.regex(r.stderr, /\/linux\/namespaces\/\d+\/path: \/proc\/self\/ns\/mnt is the runtime's own mount namespace/);
  t.deepEqual(await rt.leftovers(r.id), { stateDir: false, processes: [], mounts: [] });
});

// The spec and runc set the hostname in a UTS namespace joined by path; tsrunc refused it before.
test('hostname is set in a UTS namespace joined by path', async (t) => {
  const holder = await namespaceHolder(t, ['--uts']);
  const host = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const out = await output(t, (c) => {
    joinNs('uts', `/proc/${holder}/ns/uts`)(c);
    c.hostname = 'joined-uts';
    c.process.args = ['hostname'];
  });
  t.is(out.trim(), 'joined-uts');
  t.is(execFileSync('nsenter', ['-t', String(holder), '-u', 'hostname'], { encoding: 'utf8' }).trim(), 'joined-uts', 'set in the joined namespace');
  t.is(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), host, 'the host keeps its name');
});

// A rootfs on a shared host mount: whatever rootfsPropagation asks for, the container's mounts
// never appear on the host (tsrunc used to set a non-recursive propagation on "/" first).
for (const propagation of [undefined, 'private', 'slave', 'shared', 'unbindable']) {
  test(`rootfs on a shared host mount, rootfsPropagation ${propagation}: nothing leaks to the host`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle((c) => {
      if (propagation) c.linux.rootfsPropagation = propagation;
      c.process.args = ['sh', '-c', 'grep -c " / / " /proc/self/mountinfo; sleep 60'];
    });
    execFileSync('mount', ['--bind', bundle.rootfs, bundle.rootfs]);
    execFileSync('mount', ['--make-shared', bundle.rootfs]);
    try {
      const id = rt.id();
      const created = await rt.runtime(['create', '--bundle', bundle.dir, id]);
      t.is(created.code, 0, created.stderr);
      const leaked = hostMounts().map((m) => m.mountPoint).filter((p) => p.startsWith(bundle.rootfs + '/'));
      t.deepEqual(leaked, [], 'mounts of the container on the host');
      await rt.runtime(['delete', '--force', id]);
    } finally {
      execFileSync('umount', ['-R', bundle.rootfs]);
    }
  });
}

// Recursive mount options (runtime-spec 1.1, mount_setattr AT_RECURSIVE): a submount of an rbind
// source gets them too, where plain ro/nosuid only reach the top mount.
test('rro and rnosuid reach the submounts of an rbind mount', async (t) => {
  const rt = useRuntime(t);
  const tree = rt.hostDir('tree');
  fs.mkdirSync(`${tree}/sub`);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrunc-test-sub', `${tree}/sub`]);
  t.teardown(() => execFileSync('umount', ['-l', `${tree}/sub`]));
  const out = await output(t, (c) => {
    c.mounts.push({ destination: '/tree', type: 'bind', source: tree, options: ['rbind', 'rro', 'rnosuid'] });
    c.process.args = ['sh', '-c', 'grep " /tree/sub " /proc/self/mountinfo | cut -d" " -f6; touch /tree/sub/f 2>&1 || true'];
  });
  const [options, touch] = out.trim().split('\n');
  t.deepEqual(options.split(',').filter((o) => ['ro', 'nosuid'].includes(o)), ['ro', 'nosuid']);
  t.regex(touch, /Read-only file system/);
});

// Time namespaces (runtime-spec 1.1): the offsets are written before the init enters the namespace.
// runc 1.1 and crun 1.8 have no time namespaces.
(isTsrunc ? test : test.skip)('a new time namespace with linux.timeOffsets shifts the container\'s clocks', async (t) => {
  const day = 86400;
  const out = await output(t, (c) => {
    c.linux.namespaces.push({ type: 'time' });
    c.linux.timeOffsets = { boottime: { secs: 1000 * day } };
    c.process.args = ['sh', '-c', 'readlink /proc/self/ns/time; cut -d" " -f1 /proc/uptime'];
  });
  const [ns, uptime] = out.trim().split('\n');
  t.not(ns, fs.readlinkSync('/proc/self/ns/time'), 'a time namespace of its own');
  const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  t.true(Math.abs(Number(uptime) - host - 1000 * day) < day, `uptime inside ${uptime}, host ${host}`);
});
