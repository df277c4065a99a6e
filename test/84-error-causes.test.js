'use strict';
// Errors keep their cause (issue 26): what the init or a helper knew about a failure reaches the
// caller as data, not only as words - the errno of the init's failed call, the signal that killed
// a helper, a sync read error that is not end-of-file. Through the library API (the CLI prints the
// same errors), tsrunc only: runc's Go API is not this one.
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const tsruncOnly = isTsrunc ? test : test.skip;

/** The parent pid of `pid` (/proc/<pid>/stat field 4). */
function parentOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

tsruncOnly('a failure of the init keeps its errno and the field: args[0] missing is ENOENT at /process/args/0', async (t) => {
  const rt = useRuntime(t);
  const { Runtime } = require('tsrunc');
  const api = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle((c) => { c.process.args = ['/no/such/program']; });
  const id = rt.id('errno');
  const e = await t.throwsAsync(api.create(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] }));
  t.is(e.code, 'SETUP_FAILED');
  t.is(e.errno, 'ENOENT');
  t.is(e.pointer, '/process/args/0');
  t.regex(e.message, /no such file or directory/);
  t.false(fs.existsSync(`${rt.root}/${id}`), 'nothing left behind');
});

tsruncOnly('a foreground helper killed by signal N is reported as 128+N (9 -> 137), as runc\'s CLI reports it', async (t) => {
  const rt = useRuntime(t);
  const { Runtime } = require('tsrunc');
  const api = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle(shell('sleep 60'));
  const id = rt.id('sig');
  const p = await api.spawn(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  // The helper (tsrunc-init's stage-0) is the init's parent and waits for it.
  const helper = parentOf(p.pid);
  t.regex(fs.readFileSync(`/proc/${helper}/comm`, 'utf8'), /tsrunc/);
  process.kill(helper, 'SIGKILL');
  t.is(await p.exited, 137);
  t.false(fs.existsSync(`${rt.root}/${id}`), 'the container was deleted after its helper died');
});

// ---------------------------------------------------------------- an init that dies without a word

tsruncOnly('an init killed during create is an InitExitedError naming the step it never reached, and nothing is left', async (t) => {
  const rt = useRuntime(t);
  const { Runtime } = require('tsrunc');
  const api = new Runtime({ root: rt.root });
  // The prestart hook runs while the init waits after its mounts (sync step 4): it SIGKILLs the
  // init, so the socket closes before the init could send "ready" (step 6).
  const bundle = rt.makeBundle({
    hooks: { prestart: [{ path: '/bin/sh', args: ['sh', '-c', 'kill -9 "$(sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\')"'] }] },
  });
  const id = rt.id('exited');
  const e = await t.throwsAsync(api.create(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] }));
  t.is(e.name, 'InitExitedError');
  t.is(e.code, 'SETUP_FAILED');
  t.is(e.step, 'ready');
  t.regex(e.message, /^container init exited before .* of its setup$/);
  const left = await rt.leftovers(id);
  t.false(left.stateDir, 'no state directory');
  t.deepEqual(left.processes, [], 'no process');
  // The CLI says the same.
  const cli = await rt.runtime(['create', '--bundle', bundle.dir, rt.id('exited-cli')]);
  t.is(cli.code, 1);
  t.regex(cli.stderr, /container init exited before .* of its setup/);
});

// ---------------------------------------------------------------- one /proc/<pid>/stat parser

tsruncOnly('a start time is read by one parser: an init whose name holds ") 1 2 3" is running for state, exec and the recorded start time', async (t) => {
  const rt = useRuntime(t);
  // pid 1 (the shell) renames itself and stays (sleep is its child): its stat line reads
  // "1 (x) 1 2 3 4) S ...", which a parser that splits at the first ')' reads wrongly.
  const { id, pid } = await rt.startContainer(shell('printf "x) 1 2 3 4" > /proc/self/comm; sleep 60; true'));
  await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('x) 1 2 3 4'), { timeout: 5000, what: 'the rename' });
  const stored = JSON.parse(fs.readFileSync(`${rt.root}/${id}/state.json`, 'utf8'));
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  t.is(stored.pidStartTime, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], 'create recorded field 22');
  const { processStartTime } = require('../dist/process/proc');
  t.is(processStartTime(pid), stored.pidStartTime, 'the addon reads the same');
  t.is(processStartTime(2 ** 22 + 1), null, 'no such process');
  t.is((await rt.state(id)).state.status, 'running', 'the native core (state) sees the recorded process');
  const r = await rt.runtime(['exec', id, 'cat', '/proc/1/comm']);
  t.is(r.code, 0, `tsrunc-init's exec checks the start time too: ${r.stderr}`);
  t.is(r.stdout.trim(), 'x) 1 2 3 4');
});

// ---------------------------------------------------------------- cgroup.kill, classified

/** The cgroup2 mount point, or undefined on a host without one. */
function cgroup2Root() {
  const line = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line?.split(' ')[4];
}

/** A cgroup2 directory for this test, removed (children first) at teardown. */
function testCgroup(t, name) {
  const dir = `${cgroup2Root()}/tsrunc-test-kill-${process.pid}-${name}`;
  fs.mkdirSync(dir);
  // A killed task leaves its cgroup only once it is reaped: rmdir says EBUSY until then.
  t.teardown(async () => {
    for (const d of [`${dir}/threaded`, dir]) {
      for (let tries = 0; fs.existsSync(d); tries++) {
        try { fs.rmdirSync(d); } catch (e) { if (e.code !== 'EBUSY' || tries >= 100) throw e; }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  return dir;
}

/** Waits for the child to end; its signal. */
const ended = (child) => new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));

const withCgroup2 = isTsrunc && cgroup2Root() ? test.serial : test.skip;

withCgroup2('SIGKILL to a threaded cgroup (cgroup.kill: EOPNOTSUPP, cgroup.procs unreadable) kills its tasks one by one', async (t) => {
  const { signalAll } = require('../dist/cgroups/v2/manager');
  const { spawn } = require('node:child_process');
  const parent = testCgroup(t, 'threaded');
  const dir = `${parent}/threaded`;
  fs.mkdirSync(dir);
  fs.writeFileSync(`${dir}/cgroup.type`, 'threaded');
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const exit = ended(child);
  // The process joins the threaded domain, its (only) thread the threaded cgroup.
  fs.writeFileSync(`${parent}/cgroup.procs`, String(child.pid));
  fs.writeFileSync(`${dir}/cgroup.threads`, String(child.pid));
  t.is(fs.readFileSync(`${dir}/cgroup.threads`, 'utf8').trim(), String(child.pid));
  t.is(t.throws(() => fs.writeFileSync(`${dir}/cgroup.kill`, '1')).errno, -95, 'the kernel refuses cgroup.kill here (EOPNOTSUPP)');
  signalAll(dir, 9);
  t.is(await exit, 'SIGKILL');
});

withCgroup2('SIGKILL to a cgroup that is gone (cgroup.kill: ENOENT) is no error: nobody is in it', (t) => {
  const { signalAll } = require('../dist/cgroups/v2/manager');
  const dir = testCgroup(t, 'gone');
  fs.rmdirSync(dir);
  t.notThrows(() => signalAll(dir, 9));
});

withCgroup2('any other cgroup.kill failure is an error that keeps its errno and names the cgroup', (t) => {
  const { signalAll } = require('../dist/cgroups/v2/manager');
  // Not a cgroup: its cgroup.kill is a directory, which the kernel refuses to open for writing.
  const dir = fs.mkdtempSync('/tmp/tsrunc-test-kill-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(`${dir}/cgroup.kill`);
  const e = t.throws(() => signalAll(dir, 9));
  t.is(e.code, 'SYSTEM');
  t.is(e.errno, 'EISDIR');
  t.is(e.cause.errno, 'EISDIR');
  t.regex(e.message, new RegExp(`cgroup: cannot kill every process of ${dir}: EISDIR`));
});
