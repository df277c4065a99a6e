'use strict';
// The weaknesses an outside review found (issue 20), each tried with the hostile input it needs:
// a symlink planted where tsrunc writes a pid file, an image symlink that leads a bind mount into
// /proc, a /proc magic link in a mount destination, a joined mount namespace with /proc/sys
// overmounted by a host file, NUL-bearing, endless and oversized input files, environment entries
// without a name. Each checks that the host's files are unchanged and that the error names the
// field. (The cgroup mount's view is test/82-cgroup-mount.test.js.)
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor, hostMounts } = require('./helpers/runtime');

const SLEEPER = { process: { args: ['sleep', '1000'] } };

/** A host file whose content must survive the test. */
function victimFile(rt, name = 'victim') {
  const file = path.join(rt.hostDir(name), 'precious');
  fs.writeFileSync(file, 'precious host data\n');
  return file;
}

/** The temp names a runtime may write a pid file through: tsrunc's (`F.<pid>.tmp`) and runc's (`.F`). */
function plantPidFileLinks(pidFile, pid, victim) {
  const names = [`${pidFile}.${pid}.tmp`, path.join(path.dirname(pidFile), `.${path.basename(pidFile)}`)];
  for (const n of names) fs.symlinkSync(victim, n);
}

test('create --pid-file: a symlink planted at the temp file\'s name is not followed', async (t) => {
  const rt = useRuntime(t);
  const victim = victimFile(rt);
  const pidFile = path.join(rt.hostDir('pids'), 'init.pid');
  const bundle = rt.makeBundle(SLEEPER);
  const id = rt.id('pidfile');
  const { child, done } = rt.spawnRuntime(['create', '--bundle', bundle.dir, '--pid-file', pidFile, id]);
  // Planted while the runtime starts (Node's start alone takes longer than this).
  plantPidFileLinks(pidFile, child.pid, victim);
  const r = await done;
  t.is(fs.readFileSync(victim, 'utf8'), 'precious host data\n', 'the host file the link names is untouched');
  if (isTsrunc) {
    t.is(r.code, 0, r.stderr);
    t.regex(fs.readFileSync(pidFile, 'utf8'), /^\d+$/);
    t.false(fs.lstatSync(pidFile).isSymbolicLink());
  }
});

test('exec --pid-file: a symlink planted at the temp file\'s name is not followed', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const victim = victimFile(rt);
  const pidFile = path.join(rt.hostDir('pids'), 'exec.pid');
  const { child, done } = rt.spawnRuntime(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '100']);
  plantPidFileLinks(pidFile, child.pid, victim);
  const r = await done;
  t.is(fs.readFileSync(victim, 'utf8'), 'precious host data\n');
  if (isTsrunc) {
    t.is(r.code, 0, r.stderr);
    t.regex(fs.readFileSync(pidFile, 'utf8'), /^\d+$/);
  }
});

(isTsrunc ? test : test.skip)('--log: a symlink planted at the log file\'s name is not followed (runc follows it)', async (t) => {
  const rt = useRuntime(t);
  const victim = victimFile(rt);
  const log = path.join(rt.hostDir('logs'), 'log.json');
  fs.symlinkSync(victim, log);
  const r = await rt.runtime(['--log', log, '--log-format', 'json', 'state', 'no-such-container']);
  t.is(r.code, 1);
  t.is(fs.readFileSync(victim, 'utf8'), 'precious host data\n');
});

test('the state root is created 0700, as runc creates it', async (t) => {
  const rt = useRuntime(t);
  await rt.startContainer(SLEEPER);
  t.is(fs.statSync(rt.root).mode & 0o777, 0o700);
});

// An image symlink leads a bind destination written outside /proc onto a procfs file: a host file
// would stand where the container (and anything reading /proc in it) expects the kernel's.
for (const target of ['/proc/sys/kernel/domainname', '/proc/1/attr/exec']) {
  test(`a bind destination that resolves into /proc through an image symlink (-> ${target}) is refused`, async (t) => {
    const rt = useRuntime(t);
    const victim = victimFile(rt);
    const bundle = rt.makeBundle((c) => {
      c.mounts.push({ destination: '/etc/x', type: 'bind', source: victim, options: ['bind'] });
    });
    fs.symlinkSync(target, path.join(bundle.rootfs, 'etc/x'));
    const domainname = fs.readFileSync('/proc/sys/kernel/domainname', 'utf8');
    const id = rt.id('procbind');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0);
    t.regex(r.stderr, /inside \/proc|\/proc/);
    if (isTsrunc) t.regex(r.stderr, new RegExp(`/mounts/${bundle.config.mounts.length - 1}/destination`));
    t.is(fs.readFileSync(victim, 'utf8'), 'precious host data\n');
    t.is(fs.readFileSync('/proc/sys/kernel/domainname', 'utf8'), domainname);
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
  });
}

// fd 0 is open in the init (a magic link that exists), fd 99 is not (one that cannot be opened: its
// "target" must not be taken as a path of the rootfs).
for (const link of ['/proc/self/fd/0', '/proc/self/fd/99']) {
  test(`a mount destination through a /proc magic link (${link}) is refused, nothing is created from its target`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle((c) => {
      c.mounts.push({ destination: '/etc/fd/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
    });
    fs.symlinkSync(link, path.join(bundle.rootfs, 'etc/fd'));
    const before = execFileSync('find', [bundle.rootfs, '-xdev'], { encoding: 'utf8' });
    const id = rt.id('magic');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0);
    if (isTsrunc) {
      t.regex(r.stderr, link.endsWith('/0') ? /magic link/ : /No such file/);
      t.regex(r.stderr, new RegExp(`/mounts/${bundle.config.mounts.length - 1}`));
    }
    t.is(execFileSync('find', [bundle.rootfs, '-xdev'], { encoding: 'utf8' }), before, 'nothing created in the rootfs');
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
  });
}

/** A process holding a private mount namespace in which `setup` (shell) ran; killed at teardown. */
async function hostileMountNamespace(t, rt, setup) {
  const ready = path.join(rt.hostDir('ns'), 'ready');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${setup} && touch ${ready} && exec sleep 1000`], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  await waitFor(() => fs.existsSync(ready), { timeout: 30000, what: 'the hostile mount namespace' });
  return `/proc/${child.pid}/ns/mnt`;
}

// runc 1.1.5 writes the sysctl through the overmount into the host file (the CVE-2025-52881 class).
(isTsrunc ? test : test.skip)('linux.sysctl in a joined mount namespace whose /proc/sys is overmounted by a host file: written to procfs, host file unchanged', async (t) => {
  const rt = useRuntime(t);
  const victim = victimFile(rt);
  const mntns = await hostileMountNamespace(t, rt, `mount --bind ${victim} /proc/sys/net/ipv4/ip_forward`);
  const r = await rt.run((c) => {
    c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'mount' ? { type: 'mount', path: mntns } : n));
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    c.process.args = ['cat', '/proc/sys/net/ipv4/ip_forward'];
  });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), '1', 'the container\'s network namespace got the sysctl');
  t.is(fs.readFileSync(victim, 'utf8'), 'precious host data\n');
});

// The same with the whole /proc of that namespace replaced by a host directory that fakes
// self/oom_score_adj, self/fd and the sysctl: tsrunc's /proc writes and the mounts it makes through
// /proc/self/fd/N must all go to a procfs of its own.
(isTsrunc ? test : test.skip)('oomScoreAdj, sysctl and fd paths never go through a fake /proc of a joined mount namespace', async (t) => {
  const rt = useRuntime(t);
  const fake = rt.hostDir('fakeproc');
  fs.mkdirSync(path.join(fake, 'self/fd'), { recursive: true });
  fs.mkdirSync(path.join(fake, 'sys/net/ipv4'), { recursive: true });
  fs.writeFileSync(path.join(fake, 'self/oom_score_adj'), 'fake\n');
  fs.writeFileSync(path.join(fake, 'sys/net/ipv4/ip_forward'), 'fake\n');
  const victim = rt.hostDir('victim');
  for (let fd = 3; fd < 64; fd++) fs.symlinkSync(victim, path.join(fake, `self/fd/${fd}`));
  const mntns = await hostileMountNamespace(t, rt, `mount --bind ${fake} /proc`);
  const before = execFileSync('find', [fake, victim, '-printf', '%p %s %y\n'], { encoding: 'utf8' });
  const r = await rt.run((c) => {
    c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'mount' ? { type: 'mount', path: mntns } : n));
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    c.process.oomScoreAdj = 500;
    c.process.args = ['sh', '-c', 'cat /proc/self/oom_score_adj /proc/sys/net/ipv4/ip_forward'];
  });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '500\n1\n');
  t.is(execFileSync('find', [fake, victim, '-printf', '%p %s %y\n'], { encoding: 'utf8' }), before, 'the fake /proc and the directory its fd links name are untouched');
  t.deepEqual(hostMounts().filter((m) => m.mountPoint.startsWith(victim)), []);
});

test('exec -p: NUL characters in args, cwd and env are refused naming the field', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const cases = [
    [{ args: ['sh\u0000-c', 'exit 0'], cwd: '/' }, '/process/args/0'],
    [{ args: ['true'], cwd: '/tmp\u0000/../../etc' }, '/process/cwd'],
    [{ args: ['true'], cwd: '/', env: ['A=b\u0000c'] }, '/process/env/0'],
  ];
  for (const [proc, pointer] of cases) {
    const file = path.join(rt.hostDir('p'), 'process.json');
    fs.writeFileSync(file, JSON.stringify(proc));
    const r = await rt.runtime(['exec', '-p', file, id]);
    t.not(r.code, 0, `${pointer} accepted`);
    if (isTsrunc) {
      t.true(r.stderr.includes(pointer), r.stderr);
      t.regex(r.stderr, /NUL/);
    }
  }
});

(isTsrunc ? test : test.skip)('inputs are bounded: /dev/zero, a FIFO and oversized files are refused quickly (runc reads them whole)', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const dir = rt.hostDir('inputs');
  const big = path.join(dir, 'big.json');
  fs.writeFileSync(big, `{"args":["true"],"cwd":"/","env":["X=${'y'.repeat(17 * 1024 * 1024)}"]}`);
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  for (const [file, why] of [['/dev/zero', /not a regular file/], [fifo, /not a regular file/], [big, /larger than 16777216 bytes/]]) {
    const r = await rt.runtime(['exec', '-p', file, id], { timeout: 10000 });
    t.false(r.timedOut);
    t.is(r.code, 255, r.stderr);
    t.regex(r.stderr, why);
    t.regex(r.stderr, /--process/);
  }
  // update --resources: a file and stdin.
  let r = await rt.runtime(['update', '--resources', '/dev/zero', id], { timeout: 10000 });
  t.not(r.code, 0);
  t.regex(r.stderr, /--resources.*not a regular file/);
  r = await rt.runtime(['update', '--resources', '-', id], { input: ' '.repeat(17 * 1024 * 1024), timeout: 20000 });
  t.not(r.code, 0);
  t.regex(r.stderr, /--resources: stdin: is larger than/);
  // config.json: oversized, and a FIFO in its place.
  const bundle = rt.makeBundle(SLEEPER);
  fs.writeFileSync(bundle.configPath, JSON.stringify(bundle.config) + ' '.repeat(17 * 1024 * 1024));
  r = await rt.runtime(['create', '--bundle', bundle.dir, rt.id('big')]);
  t.not(r.code, 0);
  t.regex(r.stderr, /config\.json is larger than/);
  fs.rmSync(bundle.configPath);
  execFileSync('mkfifo', [bundle.configPath]);
  r = await rt.runtime(['create', '--bundle', bundle.dir, rt.id('fifo')], { timeout: 10000 });
  t.false(r.timedOut);
  t.regex(r.stderr, /config\.json is not a regular file/);
});

test('exec --env without a name or without "=" is refused, as runc refuses it', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  for (const env of ['NOEQUALS', '=x']) {
    const r = await rt.runtime(['exec', '--env', env, id, 'true']);
    t.not(r.code, 0, `--env ${env} accepted`);
    if (isTsrunc) t.regex(r.stderr, /\/process\/env\/\d+.*invalid environment variable/);
  }
});

test('config.json process.env without "=" is refused at create, naming the entry', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => { c.process.env.push('NOEQUALS'); c.process.args = ['true']; });
  const id = rt.id('env');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.not(r.code, 0);
  if (isTsrunc) t.regex(r.stderr, /\/process\/env\/1/);
  t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
});

test('HOME comes from the container\'s /etc/passwd when the environment has none (runc), "/" without an entry', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => { c.process.args = ['sleep', '1000']; });
  fs.appendFileSync(path.join(bundle.rootfs, 'etc/passwd'), 'hostile:x:4242:4242::/home/hostile:/bin/sh\n');
  const home = (uid) => execFileSync('sh', ['-c', `awk -F: '$3==${uid}{print $6; exit}' ${bundle.rootfs}/etc/passwd`], { encoding: 'utf8' }).trim();
  const id = rt.id('home');
  for (const args of [['create', '--bundle', bundle.dir, id], ['start', id]]) t.is((await rt.runtime(args)).code, 0);
  await rt.waitForStatus(id, 'running');
  const echo = async (...flags) => {
    const r = await rt.runtime(['exec', ...flags, id, 'sh', '-c', 'echo "$HOME"']);
    t.is(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  t.is(await echo(), home(0));
  t.is(await echo('-u', '4242'), '/home/hostile');
  t.is(await echo('-u', '31337'), '/');
  t.is(await echo('-e', 'HOME=/mine'), '/mine');
  const init = await rt.output((c) => { c.process.args = ['sh', '-c', 'echo "$HOME"']; });
  t.is(init.trim(), home(0));
});
