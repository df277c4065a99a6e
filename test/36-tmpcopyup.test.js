'use strict';
// runc's tmpcopyup mount option (features.md lists it; runtime-spec 1.1's mountOptions): a tmpfs
// that starts with what the image has at its destination, owners, modes, links and devices kept,
// the image itself untouched.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');

// runc 1.1.5 fails to copy a device node ("lchown ...: no such file or directory") and ignores
// tmpcopyup on a mount that is not a tmpfs: both run against tsrunc only.
const tsruncOnly = isTsrunc ? test : test.skip;

tsruncOnly('a tmpfs with tmpcopyup starts with the image\'s files there, writable, the image untouched', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.mounts.push({ destination: '/seed', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'size=1m', 'mode=755'] });
    c.process.args = ['sh', '-c', [
      'cat /seed/a.txt', 'stat -c %s /seed/sub/b.txt', 'stat -c "%u:%g %a" /seed/sub/b.txt', 'readlink /seed/link',
      'stat -c "%t:%T" /seed/null', 'grep " /seed " /proc/self/mounts | cut -d" " -f3', 'echo new > /seed/sub/c.txt && echo wrote',
    ].join('; ')];
  });
  const seed = path.join(bundle.rootfs, 'seed');
  fs.mkdirSync(path.join(seed, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(seed, 'a.txt'), 'alpha\n');
  fs.writeFileSync(path.join(seed, 'sub', 'b.txt'), 'beta\n');
  fs.chownSync(path.join(seed, 'sub', 'b.txt'), 1234, 5678);
  fs.chmodSync(path.join(seed, 'sub', 'b.txt'), 0o640);
  fs.symlinkSync('/etc/passwd', path.join(seed, 'link'));
  require('node:child_process').execFileSync('mknod', [path.join(seed, 'null'), 'c', '1', '3']);
  const id = rt.id('copyup');
  const r = await rt.runtime(['run', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['alpha', '5', '1234:5678 640', '/etc/passwd', '1:3', 'tmpfs', 'wrote']);
  t.false(fs.existsSync(path.join(seed, 'sub', 'c.txt')), 'the write went to the tmpfs, not the image');
});

tsruncOnly('tmpcopyup on a mount that is not a tmpfs is refused naming the option', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => { c.mounts.push({ destination: '/x', type: 'proc', source: 'proc', options: ['tmpcopyup'] }); });
  t.not(r.code, 0);
  t.regex(r.stderr, /\/mounts\/\d+\/options: tmpcopyup is for tmpfs mounts/);
  t.deepEqual(await rt.leftovers(r.id), { stateDir: false, processes: [], mounts: [] });
});
