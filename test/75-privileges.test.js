'use strict';
// What a process without capabilities cannot do, and what no_new_privs stops: each tried
// from inside a real container.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');

// A static program that prints its effective uid: busybox cannot show setuid effects (it drops
// them itself), so the test builds its own setuid-root binary into the rootfs.
const SUID_SOURCE = '#include <stdio.h>\n#include <unistd.h>\nint main(void){printf("euid=%d\\n",(int)geteuid());return 0;}\n';

function installSuidProbe(t, rootfs) {
  const dir = fs.mkdtempSync(path.join(rootfs, '..', 'suid-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'euid.c'), SUID_SOURCE);
  const target = path.join(rootfs, 'bin', 'euid');
  execFileSync('cc', ['-static', '-O2', '-o', target, path.join(dir, 'euid.c')]);
  fs.chownSync(target, 0, 0);
  fs.chmodSync(target, 0o4755);
}

for (const nnp of [false, true]) {
  test(`a setuid-root binary run by uid 1000 ${nnp ? 'stays uid 1000 with' : 'becomes root without'} noNewPrivileges`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle((c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.noNewPrivileges = nnp;
      c.process.args = ['/bin/euid'];
    });
    installSuidProbe(t, bundle.rootfs);
    const r = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('suid')]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout.trim(), nnp ? 'euid=1000' : 'euid=0');
  });
}

test('root without capabilities cannot mount, load modules, change its uid or make devices', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => {
    c.process.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
    c.process.args = ['sh', '-c', [
      'mount -t tmpfs none /mnt 2>/dev/null && echo mount: allowed || echo mount: refused',
      'echo junk > /dev/shm/x.ko; insmod /dev/shm/x.ko 2>&1 | grep -qi "not permitted" && echo modules: refused || echo modules: allowed',
      'su nobody -s /bin/true -c true 2>/dev/null && echo setuid: allowed || echo setuid: refused',
      'mknod /dev/sda-copy b 8 0 2>/dev/null && echo mknod: allowed || echo mknod: refused',
    ].join('; ')];
  });
  const seen = r.stdout.trim().split('\n');
  // A kernel built without module support answers ENOSYS before any permission check.
  const expected = ['mount: refused', 'modules: refused', 'setuid: refused', 'mknod: refused'];
  if (!fs.existsSync('/proc/modules')) expected[1] = seen[1];
  t.deepEqual(seen, expected);
});
