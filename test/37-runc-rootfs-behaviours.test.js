'use strict';
// Two behaviours of runc's rootfs set-up that configs and hooks rely on, side by side (RUNTIME=runc
// passes both):
//   - a read-only tmpfs (a /dev with "ro", or any tmpfs with a mount under it) is mounted writable,
//     filled (submounts, device nodes, symlinks, mount points) and made read-only last;
//   - createContainer hooks run with the container's root as their working directory (in its mount
//     namespace, before pivot_root), so a relative path such as ./lib/x is the container's.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');

/** The mountinfo line of `mountPoint` as the container sees it: its per-mount options. */
const OPTIONS_OF = (mountPoint) => `awk '$5 == "${mountPoint}" { print $6 }' /proc/self/mountinfo`;

test('a read-only /dev tmpfs: its submounts and devices are made first, ro applied last', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => {
    c.mounts.find((m) => m.destination === '/dev').options.push('ro');
    c.process.args = ['sh', '-c', [
      `echo "dev $(${OPTIONS_OF('/dev')})"`,
      `echo "pts $(${OPTIONS_OF('/dev/pts')})"`,
      `echo "shm $(${OPTIONS_OF('/dev/shm')})"`,
      'touch /dev/new 2>/dev/null && echo "dev writable" || echo "dev read-only"',
      'echo x > /dev/null && echo "null works"',
      'head -c 4 /dev/zero | wc -c',
      'touch /dev/shm/x && echo "shm writable"',
      '[ -L /dev/ptmx ] && [ -L /dev/fd ] && echo "links made"',
    ].join('; ')];
  });
  t.is(r.code, 0, r.stderr);
  const out = r.stdout.split('\n');
  t.regex(out[0], /^dev ro(,|$)/, 'the /dev mount is read-only');
  t.regex(out[1], /^pts rw,/, 'devpts under it was mounted (before ro), read-write');
  t.regex(out[2], /^shm rw,/);
  t.deepEqual(out.slice(3), ['dev read-only', 'null works', '4', 'shm writable', 'links made', '']);
});

test('a read-only tmpfs with a bind mount under it: the mount point is made before ro', async (t) => {
  const rt = useRuntime(t);
  const host = rt.hostDir('data');
  fs.writeFileSync(path.join(host, 'file'), 'from the host\n');
  const r = await rt.run((c) => {
    c.mounts.push(
      { destination: '/srv', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'nodev', 'mode=755', 'size=1m'] },
      { destination: '/srv/data', type: 'bind', source: host, options: ['rbind', 'rw'] },
    );
    c.process.args = ['sh', '-c', [
      `echo "srv $(${OPTIONS_OF('/srv')})"`,
      'cat /srv/data/file',
      'touch /srv/new 2>/dev/null && echo "srv writable" || echo "srv read-only"',
      'touch /srv/data/new && echo "data writable"',
    ].join('; ')];
  });
  t.is(r.code, 0, r.stderr);
  const out = r.stdout.split('\n');
  t.regex(out[0], /^srv ro(,|$)/);
  t.deepEqual(out.slice(1), ['from the host', 'srv read-only', 'data writable', '']);
  t.true(fs.existsSync(path.join(host, 'new')));
});

test('createContainer hooks run from the container\'s root: a relative ./lib/x is the container\'s', async (t) => {
  const rt = useRuntime(t);
  const out = rt.hostDir('hookout');
  const r = await rt.run((c) => {
    c.process.args = ['sh', '-c', 'cat /lib/made-by-hook'];
    c.hooks = {
      createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `pwd > ${out}/cwd; mkdir -p ./lib && echo made-from-cwd > ./lib/made-by-hook`] }],
    };
  });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'made-from-cwd\n', 'the container sees the file the hook made at ./lib');
  t.is(fs.readFileSync(path.join(out, 'cwd'), 'utf8').trim(), fs.realpathSync(r.bundle.rootfs), 'the hook\'s cwd is the rootfs, by its host path');
});
