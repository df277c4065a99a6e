'use strict';
// The argv fast paths must be invisible: for the shapes clients send, and for the near-misses they
// leave to yargs, stdout, stderr and the exit code are the same through the native front-end
// (build/native/Release/tsrunc: native/core answers state, start, kill and delete), through the
// Node entry's fast path (bin/tsrunc, src/cli/fast-path.ts) and through yargs alone
// (TSRUNC_FAST_PATH=0). Real containers.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, RUNTIME, FRONTEND, NODE_ENTRY } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;
const YARGS = { TSRUNC_FAST_PATH: '0' };
// Log lines carry a timestamp; everything else must match byte for byte.
const untimed = (s) => s.replace(/time="[^"]*"|"time":"[^"]*"/g, 'time');

const frontEnd = RUNTIME === FRONTEND;
const view = (r) => ({ code: r.code, stdout: r.stdout, stderr: untimed(r.stderr) });

async function same(t, rt, args, opts = {}) {
  const fast = await rt.runtime(args, opts);
  const slow = await rt.runtime(args, { ...opts, env: { ...opts.env, ...YARGS } });
  t.deepEqual(view(fast), view(slow), args.join(' '));
  if (frontEnd) t.deepEqual(view(await rt.runtime(args, { ...opts, binary: NODE_ENTRY })), view(slow), `node: ${args.join(' ')}`);
  return fast;
}

/** same(), with --log: the log file's lines are the same too (one writer of runc's line: native/core writeLogLine). */
async function sameLog(t, rt, format, args) {
  const logs = ['fast', 'slow', 'node'].map((k) => path.join(rt.hostDir('logs'), `${k}-${format}.log`));
  const run = (log, opts) => rt.runtime(['--log', log, '--log-format', format, ...args], opts);
  const fast = await run(logs[0], {});
  const slow = await run(logs[1], { env: YARGS });
  t.deepEqual(view(fast), view(slow), args.join(' '));
  const read = (f) => untimed(fs.readFileSync(f, 'utf8'));
  t.is(read(logs[0]), read(logs[1]), `log: ${args.join(' ')}`);
  if (frontEnd) {
    await run(logs[2], { binary: NODE_ENTRY });
    t.is(read(logs[2]), read(logs[1]), `node log: ${args.join(' ')}`);
  }
  return read(logs[1]);
}

/** The front-end answered alone: without node on PATH a hand-off would fail (exit 127). */
async function native(t, rt, args) {
  const r = await rt.runtime(args, { env: { PATH: '/nonexistent' } });
  t.not(r.code, 127, `${args.join(' ')}: handed to Node (${r.stderr})`);
  return r;
}

tsruncOnly('state, kill and delete: the same output and exit codes with and without the fast path', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('fp');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, id])).code, 0);

  const state = await same(t, rt, ['state', id]);
  t.is(JSON.parse(state.stdout).status, 'created');
  t.is((await rt.runtime(['start', id])).code, 0);
  t.is(JSON.parse((await same(t, rt, ['state', id])).stdout).status, 'running');
  await same(t, rt, ['start', id]); // already running: refused
  await same(t, rt, ['--log-format', 'json', 'state', 'missing']);
  await same(t, rt, ['state', '--log-format=json', 'missing']);
  await same(t, rt, ['state', 'missing', 'extra']); // yargs: unknown argument
  await same(t, rt, ['state']); // yargs: missing id
  await same(t, rt, ['state', '--bogus', id]);
  await same(t, rt, ['--log-format', 'xml', 'state', id]);
  // runc's hidden globals: yargs accepts and ignores them (flags.json fastPath: false), the fast paths hand them over
  await same(t, rt, ['--rootless', 'false', 'state', id]);
  await same(t, rt, ['--criu', '/usr/sbin/criu', 'kill', id, '0']);
  await same(t, rt, ['kill', id, 'NOSUCHSIG']);
  await same(t, rt, ['kill', id, '0']); // "is it alive?"
  await same(t, rt, ['--debug', 'kill', '--all', id, '0']);
  await same(t, rt, ['kill', '-h']); // help: yargs either way
  await same(t, rt, ['kil', id]); // no such command: "No help topic", exit 3
  await same(t, rt, ['delete', id]); // running: refused
  await same(t, rt, ['start', 'missing']);
  await same(t, rt, ['kill', '--all', 'missing', '9']);
  await same(t, rt, ['delete', '-f', 'missing']);
  // runc's log line in both formats, with a message that needs escaping
  for (const format of ['json', 'text']) {
    const text = await sameLog(t, rt, format, ['kill', id, 'NO"SUCH\\SIG\tÜ']);
    t.true(text.includes(format === 'json' ? '"level":"error"' : 'level=error'), text);
    await sameLog(t, rt, format, ['delete', id]); // running: refused
  }
  await same(t, rt, ['--debug', '--systemd-cgroup', 'delete', '--force', 'missing']);
  await same(t, rt, ['create', '--bundle', '/nonexistent', '--pid-file', '/tmp/x.pid', 'c-nope']);
  await same(t, rt, ['run', '-b', '/nonexistent', '-d', 'c-nope']);
  await same(t, rt, ['create', '--preserve-fds', 'x', '--bundle', bundle.dir, 'c-nope']);

  // flag forms and signal spellings
  await same(t, rt, ['--log-format=text', 'state', id]);
  await same(t, rt, ['state', id, '--log-format', 'json']);
  await same(t, rt, ['--systemd-cgroup', 'state', id]);
  await same(t, rt, ['state', '--root', '/x', id]); // --root twice: yargs
  await same(t, rt, ['--log-format', 'json', 'kill', id, '65']);
  await same(t, rt, ['kill', id, ' 0']);
  await same(t, rt, ['kill', '-a', id, '000']);
  await same(t, rt, ['kill', '--all', id, 'sigcont']);
  await same(t, rt, ['kill', '--all=true', id, '0']);
  await same(t, rt, ['kill', id, 'cont', 'extra']);
  await same(t, rt, ['kill', id, 'SIGRTMIN']);
  await same(t, rt, ['kill', '-x', id]);
  await same(t, rt, ['state', '..']); // an invalid id
  await same(t, rt, ['delete', '--force', '.hidden']);
  await same(t, rt, ['delete', '-f', '-f', 'missing']); // repeated: yargs
  await same(t, rt, ['start', id, '--log', '-']);
  await same(t, rt, ['-v', 'state', id]);

  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  await same(t, rt, ['state', id]);
  await same(t, rt, ['kill', id, '0']); // stopped: "container not running"
  await same(t, rt, ['start', id]); // stopped: refused
  t.is((await rt.runtime(['delete', id])).code, 0);
});

(frontEnd ? test : test.skip)('the front-end answers state, start, kill and delete in the shapes clients send without Node', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('fe');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, id])).code, 0);
  const log = path.join(rt.hostDir('log'), 'log.json');
  const g = ['--log', log, '--log-format', 'json'];
  t.is(JSON.parse((await native(t, rt, [...g, 'state', id])).stdout).status, 'created');
  t.is((await native(t, rt, [...g, 'start', id])).code, 0);
  t.is(JSON.parse((await native(t, rt, ['state', id])).stdout).status, 'running');
  t.is((await native(t, rt, [...g, 'kill', id, '0'])).code, 0);
  t.is((await native(t, rt, [...g, 'kill', '--all', id, 'CONT'])).code, 0);
  // an error: runc's JSON log line in --log, the bare message on stderr, exit 1
  const refused = await native(t, rt, [...g, 'delete', id]);
  t.deepEqual([refused.code, refused.stderr], [1, `cannot delete container ${id} that is not stopped: running\n`]);
  const line = JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n').pop());
  t.like(line, { level: 'error', msg: `cannot delete container ${id} that is not stopped: running` });
  t.regex(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is((await native(t, rt, [...g, 'delete', '--force', id])).code, 0);
  t.is((await native(t, rt, ['state', id])).code, 1);
  t.is((await native(t, rt, ['delete', '--force', id])).code, 0); // nothing there: success
  // and what it does not know it hands to Node: without node that fails
  t.is((await rt.runtime(['--debug', 'state', id], { env: { PATH: '/nonexistent' } })).code, 127);
});

tsruncOnly('run exits with the container status either way', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'echo out; exit 3'] } });
  const a = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('fp-run')]);
  const b = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('fp-run')], { env: YARGS });
  t.deepEqual([a.code, a.stdout], [3, 'out\n']);
  t.deepEqual([b.code, b.stdout], [3, 'out\n']);
});

// exec in the shapes clients send (containerd's shim via go-runc: `exec --process F --pid-file P
// [--console-socket S] --detach ID`; conmon the same with --detach first) and the ones people type
// (`exec [flags] ID CMD...`), plus near-misses the fast path leaves to yargs.
tsruncOnly('exec: the same output and exit codes with and without the fast path', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('fpx');
  t.is((await rt.runtime(['run', '-d', '--bundle', bundle.dir, id])).code, 0);
  const dir = rt.hostDir('exec');
  const proc = path.join(dir, 'process.json');
  fs.writeFileSync(proc, JSON.stringify({ args: ['sh', '-c', 'echo from-process-json; exit 0'], cwd: '/', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 } }));

  const r = await same(t, rt, ['exec', id, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
  t.is((await same(t, rt, ['exec', '--cwd', '/tmp', '-e', 'A=1', '--user', '1000:1000', id, 'sh', '-c', 'pwd; echo $A; id -u'])).stdout, '/tmp\n1\n1000\n');
  t.is((await same(t, rt, ['exec', '--env=B=2', '-u', '0', id, '--', 'sh', '-c', 'echo $B; exit 4'])).code, 4);
  await same(t, rt, ['exec', '--no-new-privs', '--cap', 'CAP_NET_RAW', '--ignore-paused', id, 'true']);
  await same(t, rt, ['--log-format', 'json', 'exec', '--process', proc, id]);
  // Detached: tsrunc returns once the process runs, so the process prints nothing (its output
  // could land after tsrunc's exit).
  const quiet = path.join(dir, 'quiet.json');
  fs.writeFileSync(quiet, JSON.stringify({ args: ['/bin/true'], cwd: '/', user: { uid: 0, gid: 0 } }));
  for (const pidFile of [path.join(dir, 'fast.pid'), path.join(dir, 'slow.pid')]) {
    // the pid differs by run: each path writes its own file, both must hold a pid
    const argv = ['--log', path.join(dir, 'log.json'), '--log-format', 'json', 'exec', '--process', quiet, '--pid-file', pidFile, '--detach', id];
    const out = await rt.runtime(argv, pidFile.endsWith('slow.pid') ? { env: YARGS } : {});
    t.deepEqual([out.code, out.stdout, out.stderr], [0, '', ''], argv.join(' '));
    t.regex(fs.readFileSync(pidFile, 'utf8'), /^[1-9]\d*$/);
  }
  await same(t, rt, ['exec', '--detach', '--pid-file', path.join(dir, 'p2'), '--process', quiet, id]);
  // errors: each reported the same way
  await same(t, rt, ['exec', '--tty', '--detach', id, 'true']); // a tty needs --console-socket when detached
  await same(t, rt, ['exec', '--console-socket', path.join(dir, 'nope.sock'), '-t', id, 'true']);
  await same(t, rt, ['exec', '--process', path.join(dir, 'missing.json'), id]);
  await same(t, rt, ['exec', 'missing', 'true']);
  await same(t, rt, ['exec', id]); // no command, no process file
  // near-misses: yargs
  await same(t, rt, ['exec', '-e', 'A=1', '-e', 'B=2', id, 'sh', '-c', 'echo $A$B']); // repeated flag: an array
  await same(t, rt, ['exec', '--preserve-fds', 'x', id, 'true']);
  await same(t, rt, ['exec', '-it', id, 'true']);
  await same(t, rt, ['exec', '--bogus', id, 'true']);
  await same(t, rt, ['exec', '--cwd', '-', id, 'true']);
  await same(t, rt, ['exec']);
  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
});

// The shapes clients send must take the fast path (the test above shows it answers as yargs
// would); the table itself, from the built CLI.
test('the fast path parses the argv shapes containerd, podman and Docker send', (t) => {
  const { parseFast, FAST_VERBS } = require('../dist/cli/fast-path');
  const HOT_VERBS = Object.fromEntries(['state', 'start', 'kill', 'delete'].map((v) => [v, FAST_VERBS[v]]));
  const g = ['--root', '/run/x', '--log', '/l.json', '--log-format', 'json'];
  const shapes = [
    [...g, 'create', '--bundle', '/b', '--pid-file', '/p', 'ID'],
    [...g, 'create', '--bundle', '/b', '--pid-file', '/p', '--console-socket', '/s', 'ID'],
    [...g, 'start', 'ID'], [...g, 'state', 'ID'], [...g, 'kill', 'ID', '9'], [...g, 'kill', '--all', 'ID', '15'],
    [...g, 'delete', 'ID'], [...g, 'delete', '--force', 'ID'],
    [...g, 'exec', '--process', '/proc.json', '--pid-file', '/p', '--detach', 'ID'],
    [...g, 'exec', '--process', '/proc.json', '--pid-file', '/p', '--console-socket', '/s', '--detach', 'ID'],
    [...g, 'exec', '-d', '--pid-file', '/p', '--process', '/proc.json', 'ID'],
    ['exec', 'ID', 'sh', '-c', 'exit 3'], ['exec', '-t', '--cwd', '/tmp', '-e', 'A=1', '-u', '1000:1000', 'ID', '--', 'ls', '-l'],
  ];
  for (const args of shapes) t.truthy(parseFast(args, FAST_VERBS), args.join(' '));
  const exec = parseFast(['exec', '-e', 'A=1', '--cwd', '/tmp', 'ID', 'ls', '--cwd'], FAST_VERBS);
  t.like(exec.argv, { 'container-id': 'ID', env: 'A=1', cwd: '/tmp', detach: false, 'preserve-fds': 0 });
  // the hot bundle's table answers only its own verbs, so everything else goes to the full CLI
  t.truthy(parseFast([...g, 'state', 'ID'], HOT_VERBS));
  t.falsy(parseFast([...g, 'exec', '--process', '/p', 'ID'], HOT_VERBS));
  t.falsy(parseFast([...g, 'create', '--bundle', '/b', 'ID'], HOT_VERBS));
});
