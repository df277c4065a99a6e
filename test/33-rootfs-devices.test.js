'use strict';
// The root filesystem and /dev the container gets: read-only root, default devices and links,
// linux.devices, namespaces joined by path, and the process's cwd/env/domainname.
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, output } = require('./helpers/runtime');
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
