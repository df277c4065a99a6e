'use strict';
// `exec`: one more process in a running container, flag for flag as runc 1.1 takes them. Every
// assertion is what the exec'd process itself sees (namespaces, cgroup, identity, status...).
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, isAlive, waitFor, RUNTIME } = require('./helpers/runtime');
const { cgroupDirsOf } = require('tsrunc/internal');

const SLEEPER = { process: { args: ['sleep', '1000'] } };
const tsruncOnly = isTsrunc ? test : test.skip;

/** `exec ...args` against the test's runtime: {code, stdout, stderr}. */
const exec = (rt, args, opts) => rt.runtime(['exec', ...args], opts);

/** Status fields of /proc/self/status as the exec'd process sees them. */
function statusFields(text) {
  return Object.fromEntries(text.trim().split('\n').map((l) => l.split(':\t')).map(([k, v]) => [k, (v ?? '').trim()]));
}

test('exec joins every namespace and the cgroup of the container, and returns its status', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const nsList = 'cgroup ipc mnt net pid uts';
  const show = `for n in ${nsList}; do readlink /proc/$P/ns/$n; done; grep '^0::' /proc/$P/cgroup; hostname`;
  const init = await exec(rt, [id, 'sh', '-c', `P=1; ${show}`]);
  const self = await exec(rt, [id, 'sh', '-c', `P=self; ${show}; exit 7`]);
  t.is(init.code, 0, init.stderr);
  t.is(self.code, 7, self.stderr);
  t.is(self.stdout, init.stdout);
  t.regex(self.stdout, /tsrunc\n$/); // the container's hostname, not the host's
  // Not a process of the host's pid namespace: the exec'd shell sees the init as pid 1.
  const pids = await exec(rt, [id, 'sh', '-c', 'echo $$; cat /proc/1/cmdline | tr "\\0" " "']);
  t.regex(pids.stdout, /^\d+\nsleep 1000 $/);
  t.not(pids.stdout.split('\n')[0], '1');
});

test('exit status: the process\'s own, 128+N when killed by signal N', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  t.is((await exec(rt, [id, 'true'])).code, 0);
  t.is((await exec(rt, [id, 'sh', '-c', 'exit 42'])).code, 42);
  t.is((await exec(rt, [id, 'sh', '-c', 'kill -9 $$'])).code, 137);
});

test('signals sent to the runtime reach the exec\'d process; stdio passes through', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const { child, done } = rt.spawnRuntime(['exec', id, 'sh', '-c', 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done']);
  await waitFor(() => fs.readdirSync(rt.base).some((f) => f.endsWith('.stdout') && fs.readFileSync(path.join(rt.base, f), 'utf8').includes('ready')), { what: 'the process to start' });
  child.kill('SIGTERM');
  const r = await done;
  t.is(r.code, 42, r.stderr);
  t.is(r.stdout, 'ready\ngot TERM\n');
});

test('--cwd, --env, --user, --additional-gids, --no-new-privs, --cap', async (t) => {
  const rt = useRuntime(t);
  const caps = ['CAP_KILL', 'CAP_CHOWN'];
  // (runc 1.1.5 crashes on --cap when the config has no capabilities object.)
  const { id } = await rt.startContainer({ ...SLEEPER, process: { ...SLEEPER.process, env: ['PATH=/usr/bin:/bin', 'KEEP=1', 'OVER=old'],
    capabilities: { bounding: caps, effective: caps, permitted: caps } } });
  const r = await exec(rt, ['--cwd', '/tmp', '--env', 'OVER=new', '--env', 'ADDED=yes', '-u', '1000:1001', '-g', '20', '-g', '30',
    id, 'sh', '-c', 'pwd; echo "$KEEP $OVER $ADDED"; id -u; id -g; id -G']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '/tmp\n1 new yes\n1000\n1001\n1001 20 30\n');
  const env = await exec(rt, ['-e', 'OVER=new', id, 'env']);
  // One OVER, the last given wins (runc's rule).
  t.deepEqual(env.stdout.split('\n').filter((l) => l.startsWith('OVER=')), ['OVER=new']);

  const before = statusFields((await exec(rt, [id, 'cat', '/proc/self/status'])).stdout);
  const after = statusFields((await exec(rt, ['--no-new-privs', '--cap', 'CAP_SYS_ADMIN', '--cap', 'CAP_NET_RAW', id, 'cat', '/proc/self/status'])).stdout);
  t.is(before.NoNewPrivs, '0');
  t.is(after.NoNewPrivs, '1');
  const bits = (hex) => BigInt('0x' + hex);
  const SYS_ADMIN = 1n << 21n;
  const NET_RAW = 1n << 13n;
  t.is(bits(before.CapEff) & SYS_ADMIN, 0n);
  for (const set of ['CapEff', 'CapPrm', 'CapBnd']) {
    t.is(bits(after[set]) & (SYS_ADMIN | NET_RAW), SYS_ADMIN | NET_RAW, set);
    t.is(bits(after[set]) & bits(before[set]), bits(before[set]), `${set} keeps the container's`);
  }
  t.is(after.CapInh, '0000000000000000'); // never inheritable (CVE-2022-29162)
});

/** Host pids of the processes in the pid namespace of `pid`. */
function pidsInNamespaceOf(pid) {
  const ns = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return fs.readlinkSync(`/proc/${n}/ns/pid`) === ns && isAlive(Number(n)); } catch { return false; }
  }).map(Number);
}

test('bad flags: runc\'s words, exit status 255, nothing started', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(SLEEPER);
  const cases = [
    [['--cwd', 'relative', id, 'true'], /Cwd must be an absolute path/],
    [[id], /args cannot be empty/],
    [['-u', 'root', id, 'true'], /parsing root as int for uid failed/],
    [['-t', '-d', id, 'true'], isTsrunc ? /\/process\/terminal: cannot allocate tty if .* will detach without setting console socket \(--console-socket\)/ : /cannot allocate tty if .* will detach without setting console socket/],
    [['-e', 'PATH=/nope', id, 'sh'], /sh\\?": executable file not found in \$PATH/],
    [[id, 'no-such-binary'], /no-such-binary.*(executable file not found|no such file)/],
  ];
  for (const [args, re] of cases) {
    const r = await exec(rt, args);
    t.is(r.code, 255, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, re, args.join(' '));
  }
  // Nothing was left running next to the init.
  t.deepEqual(pidsInNamespaceOf(pid), [pid]);
});

test('refusals: stopped, paused (unless --ignore-paused), missing container', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  t.is((await rt.runtime(['pause', id])).code, 0);
  const paused = await exec(rt, [id, 'true']);
  t.is(paused.code, 255);
  t.regex(paused.stderr, /cannot exec in a paused container \(use --ignore-paused to override\)/);
  // With --ignore-paused the process is frozen with the container; it runs (and exec returns) on resume.
  let finished = false;
  const frozen = exec(rt, ['--ignore-paused', id, 'sh', '-c', 'echo ran > /dev/shm/marker']).then((r) => { finished = true; return r; });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.false(finished);
  t.is((await rt.runtime(['resume', id])).code, 0);
  const thawed = await frozen;
  t.is(thawed.code, 0, thawed.stderr);
  t.is((await exec(rt, [id, 'cat', '/dev/shm/marker'])).stdout, 'ran\n');

  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  const stopped = await exec(rt, [id, 'true']);
  t.is(stopped.code, 255);
  t.regex(stopped.stderr, /cannot exec in a stopped container/);

  const missing = await exec(rt, ['no-such-container', 'true']);
  t.is(missing.code, 255);
  t.regex(missing.stderr, /does not exist/);
});

tsruncOnly('a created container is refused (runc 1.1 execs into it: a process next to an init that has not started)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(SLEEPER);
  const id = rt.id('created');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, id])).code, 0);
  const r = await exec(rt, [id, 'true']);
  t.is(r.code, 255);
  t.regex(r.stderr, /cannot exec in a created container: container .* is not running/);
  t.is((await rt.state(id)).state.status, 'created');
});

test('--process: a process.json as containerd writes it', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  // containerd's exec spec (ctr task exec / CRI): a full process object, 64-bit rlimits included.
  const processJson = {
    user: { uid: 1000, gid: 1000, additionalGids: [10] },
    args: ['sh', '-c', 'echo "$FROM_FILE"; pwd; id -u; id -G; grep "open files" /proc/self/limits | tr -s " "; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FROM_FILE=containerd'],
    cwd: '/tmp',
    capabilities: {
      bounding: ['CAP_CHOWN', 'CAP_KILL'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 2048 }],
    noNewPrivileges: true,
    terminal: false,
  };
  const file = path.join(rt.base, 'process.json');
  fs.writeFileSync(file, JSON.stringify(processJson));
  const r = await exec(rt, ['--process', file, id]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'containerd\n/tmp\n1000\n1000 10\nMax open files 2048 4096 files \nCapBnd:\t0000000000000021\nNoNewPrivs:\t1\n');

  fs.writeFileSync(file, '{"args": "sh", "cwd": "/"}');
  const bad = await exec(rt, ['-p', file, id]);
  t.is(bad.code, 255);
  if (isTsrunc) t.regex(bad.stderr, /\/process\/args: must be array/);
});

test('--detach returns once the process runs and writes --pid-file', async (t) => {
  const rt = useRuntime(t);
  const { id, pid: initPid } = await rt.startContainer(SLEEPER);
  const pidFile = path.join(rt.base, 'exec.pid');
  const r = await exec(rt, ['-d', '--pid-file', pidFile, id, 'sleep', '300']);
  t.is(r.code, 0, r.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.true(isAlive(pid));
  t.is(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\x00300\x00');
  t.is(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync(`/proc/${initPid}/ns/pid`));
  t.is(fs.readlinkSync(`/proc/${pid}/ns/mnt`), fs.readlinkSync(`/proc/${initPid}/ns/mnt`));
  const cg = (p) => fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
  t.is(cg(pid), cg(initPid));
  // kill --all reaches it: it is one of the container's processes.
  t.is((await rt.runtime(['kill', '--all', id, 'KILL'])).code, 0);
  await waitFor(() => !isAlive(pid), { what: 'the exec\'d process to die' });
});

test('exec into a container with a seccomp filter gets the filter', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({
    ...SLEEPER,
    linux: {
      seccomp: {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      },
    },
  });
  const r = await exec(rt, [id, 'sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/x && echo made']);
  t.is(r.code, 1);
  t.regex(r.stdout, /^Seccomp:\t2\n$/);
  t.regex(r.stderr, /Operation not permitted/);
});

test('exec into a container that joined another one\'s network namespace', async (t) => {
  const rt = useRuntime(t);
  const owner = await rt.startContainer(SLEEPER);
  const netns = `/proc/${owner.pid}/ns/net`;
  const joined = await rt.startContainer((c) => {
    c.process.args = ['sleep', '1000'];
    c.linux.namespaces = c.linux.namespaces.map((ns) => (ns.type === 'network' ? { type: 'network', path: netns } : ns));
  });
  const r = await exec(rt, [joined.id, 'readlink', '/proc/self/ns/net']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), fs.readlinkSync(netns));
});

test('--preserve-fds passes exactly fds 3..3+N-1 to the exec\'d process', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const file = path.join(rt.base, 'kept');
  fs.writeFileSync(file, 'kept\n');
  const fds = [fs.openSync(file, 'r'), fs.openSync(file, 'r')];
  t.teardown(() => fds.forEach((fd) => fs.closeSync(fd)));
  const run = (extra) => new Promise((resolve) => {
    const child = spawn(RUNTIME, ['--root', rt.root, 'exec', ...extra, id, 'sh', '-c', 'cat <&3 2>/dev/null; ls /proc/self/fd | sort -n | tr "\\n" " "'],
      { stdio: ['ignore', 'pipe', 'pipe', ...fds] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
  const none = await run([]);
  t.is(none.code, 0);
  t.is(none.out, '0 1 2 3 '); // 3: ls's own directory fd; the caller's fds 3 and 4 stayed outside
  const one = await run(['--preserve-fds', '1']);
  t.is(one.out, 'kept\n0 1 2 3 4 ');
});

tsruncOnly('--cgroup puts the process in an existing sub-cgroup of the container, in every hierarchy', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(SLEEPER);
  // The container's own cgroups (one per hierarchy on a v1/hybrid host, one on v2): those named by its id.
  const own = cgroupDirsOf(pid).filter((dir) => dir.includes(id));
  t.true(own.length > 0);
  for (const dir of own) {
    fs.mkdirSync(path.join(dir, 'sub'));
    // A new v1 cpuset cgroup starts with no cpus and mems: nothing could join it.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (fs.existsSync(path.join(dir, file)) && !fs.existsSync(path.join(dir, 'cgroup.controllers'))) {
        fs.writeFileSync(path.join(dir, 'sub', file), fs.readFileSync(path.join(dir, file)));
      }
    }
  }
  t.teardown(() => own.forEach((dir) => fs.rmdirSync(path.join(dir, 'sub'))));
  const r = await exec(rt, ['--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').filter((l) => l.includes(id));
  t.is(lines.length, own.length);
  for (const line of lines) t.regex(line, new RegExp(`/${id}/sub$`));
  const missing = await exec(rt, ['--cgroup', 'nope', id, 'true']);
  t.is(missing.code, 255);
  t.regex(missing.stderr, /--cgroup nope: cgroup .*nope does not exist/);
});

tsruncOnly('--apparmor / --process-label on a host without that LSM are refused, naming the field (runc ignores them)', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const lsms = fs.existsSync('/sys/kernel/security/lsm') ? fs.readFileSync('/sys/kernel/security/lsm', 'utf8') : '';
  if (lsms.includes('apparmor')) return t.pass('host runs AppArmor');
  const r = await exec(rt, ['--apparmor', 'unconfined', id, 'true']);
  t.is(r.code, 255);
  t.regex(r.stderr, /\/process\/apparmorProfile/);
});

test('50 concurrent execs into one container each exit with their own status', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => exec(rt, [id, 'sh', '-c', `exit ${i + 1}`], { timeout: 120000 })));
  t.deepEqual(results.map((r) => r.code), Array.from({ length: 50 }, (_, i) => i + 1), results.map((r) => r.stderr).join(''));
});
