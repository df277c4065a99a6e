'use strict';
// Known escapes, each tried from inside a real container: fds of the runtime, the runtime's
// executable through /proc/<pid>/exe, masked and read-only paths, a planted /dev/null.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, RUNTIME, REPO } = require('./helpers/runtime');

/** Runs the runtime with extra fds 3.. open, through `sh -c` so env can name its own pid. */
function runWithFds(rt, args, extraFds, shellPrefix = '') {
  return new Promise((resolve, reject) => {
    const out = path.join(rt.base, `fds-${Date.now()}.out`);
    const outFd = fs.openSync(out, 'w');
    const cmd = `${shellPrefix} exec "$0" "$@"`;
    const child = spawn('sh', ['-c', cmd, RUNTIME, '--root', rt.root, ...args], { stdio: ['ignore', outFd, 'pipe', ...extraFds] });
    fs.closeSync(outFd);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: fs.readFileSync(out, 'utf8'), stderr }));
  });
}

function fileFd(rt, name, text) {
  const file = path.join(rt.hostDir('fds'), name);
  fs.writeFileSync(file, text);
  return fs.openSync(file, 'r');
}

test('--preserve-fds N passes exactly fds 3..3+N-1, nothing else', async (t) => {
  const rt = useRuntime(t);
  const fds = [fileFd(rt, 'a', 'first\n'), fileFd(rt, 'b', 'second\n'), fileFd(rt, 'c', 'third\n')];
  t.teardown(() => fds.forEach((fd) => fs.closeSync(fd)));
  const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\\n" " "'] } });
  const r = await runWithFds(rt, ['run', '--preserve-fds', '2', '--bundle', bundle.dir, rt.id('fds')], fds);
  t.is(r.code, 0, r.stderr);
  // ls opens the directory as the next free fd (5): fd 5 of the caller was not passed.
  t.is(r.stdout, 'first\nsecond\n0 1 2 3 4 5 ');
});

test('socket activation: LISTEN_FDS fds come first and the process gets LISTEN_FDS/LISTEN_PID', async (t) => {
  const rt = useRuntime(t);
  const fds = [fileFd(rt, 'sock', 'activated\n'), fileFd(rt, 'kept', 'preserved\n')];
  t.teardown(() => fds.forEach((fd) => fs.closeSync(fd)));
  const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; cat <&4'] } });
  const r = await runWithFds(rt, ['run', '--preserve-fds', '1', '--bundle', bundle.dir, rt.id('listen')], fds, 'LISTEN_FDS=1 LISTEN_PID=$$');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '1 1\nactivated\npreserved\n');
});

test("a container sharing the init's pid namespace cannot rewrite the runtime through /proc/1/exe", async (t) => {
  const rt = useRuntime(t);
  const helper = path.join(REPO, 'build/native/Release/tsrunc-init');
  const before = isTsrunc ? crypto.createHash('sha256').update(fs.readFileSync(helper)).digest('hex') : '';
  // A created (not started) container: its pid 1 is still the runtime's init process.
  const victim = rt.makeBundle({ process: { args: ['true'] } });
  const id = rt.id('victim');
  t.is((await rt.runtime(['create', '--bundle', victim.dir, id])).code, 0);
  const { pid } = (await rt.state(id)).state;
  const all = ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER'];
  const r = await rt.run((c) => {
    c.linux.namespaces = c.linux.namespaces.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : ns));
    c.process.capabilities = { bounding: all, effective: all, permitted: all };
    c.process.args = ['sh', '-c', 'if echo pwned >> /proc/1/exe; then echo WROTE; else echo refused; fi'];
  });
  t.is(r.stdout.trim(), 'refused', r.stderr);
  if (isTsrunc) t.is(crypto.createHash('sha256').update(fs.readFileSync(helper)).digest('hex'), before);
});

test('maskedPaths hide files and directories; readonlyPaths refuse writes', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => {
    c.linux.maskedPaths = ['/proc/timer_list', '/sys/firmware', '/proc/does-not-exist'];
    c.linux.readonlyPaths = ['/proc/sys'];
    c.process.capabilities = { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] };
    c.process.args = ['sh', '-c', [
      'echo "timer_list: $(wc -c < /proc/timer_list)"',
      'echo "firmware: $(ls -A /sys/firmware | wc -l)"',
      'if echo 1 > /proc/sys/kernel/shmmni; then echo "sys: writable"; else echo "sys: refused"; fi',
    ].join('; ')];
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim()), ['timer_list: 0', 'firmware: 0', 'sys: refused']);
});

// runc 1.1.5 predates the maskedPaths advisory (CVE-2025-31133) and binds whatever /dev/null is.
(isTsrunc ? test : test.skip)('maskedPaths refuse a /dev/null that is not the null device', async (t) => {
  const rt = useRuntime(t);
  const dev = rt.hostDir('dev');
  fs.symlinkSync('/etc/passwd', path.join(dev, 'null')); // resolves inside the rootfs
  const bundle = rt.makeBundle((c) => {
    c.mounts = c.mounts.filter((m) => !m.destination.startsWith('/dev'));
    c.mounts.push({ destination: '/dev', type: 'bind', source: dev, options: ['rbind'] });
    c.linux.maskedPaths = ['/proc/kcore'];
  });
  const id = rt.id('fakenull');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.not(r.code, 0);
  t.regex(r.stderr, /not the null device/);
  t.false((await rt.leftovers(id)).stateDir);
  t.is(fs.readFileSync(path.join(bundle.rootfs, 'etc/passwd'), 'utf8').includes('root'), true, 'the planted target is intact');
});
