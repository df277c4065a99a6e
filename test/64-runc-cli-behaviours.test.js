'use strict';
// Parts of runc's command line that scripts and test suites rely on, side by side (RUNTIME=runc passes
// every test not marked tsrunc-only): signal 0, ps options after the id, exec --cgroup that climbs out
// of the container's cgroup, help in every form, --debug lines (text, json, --log).
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;
const SLEEPER = { process: { args: ['sleep', '1000'] } };

// ---------------------------------------------------------------- kill ID 0

test('kill ID 0 and kill --all ID 0: "is it alive?" succeeds on a running container, and signals nothing', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(SLEEPER);
  for (const args of [['kill', id, '0'], ['kill', '--all', id, '0'], ['kill', '-a', id, '0']]) {
    const r = await rt.runtime(args);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  t.is((await rt.state(id)).state.status, 'running');
  t.is(Number((await rt.state(id)).state.pid), pid);
});

test('kill ID 0 of a stopped container fails with runc\'s "container not running"', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['true'] } }, { until: 'stopped' });
  const r = await rt.runtime(['kill', id, '0']);
  t.is(r.code, 1);
  t.regex(r.stderr, /container not running/);
});

// ---------------------------------------------------------------- ps ID [ps options]

test('ps ID -e -x and ps ID -o pid,comm: the options after the id go to ps', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(SLEEPER);
  const ex = await rt.runtime(['ps', id, '-e', '-x']);
  t.is(ex.code, 0, ex.stderr);
  const exLines = ex.stdout.trim().split('\n');
  t.regex(exLines[0], /^\s*PID\s+TTY\s+STAT\s+TIME\s+COMMAND/, 'BSD-style columns: -x reached ps');
  t.is(exLines.length, 2, ex.stdout);
  t.regex(exLines[1], new RegExp(`^\\s*${pid}\\s.*sleep 1000`));

  const o = await rt.runtime(['ps', id, '-o', 'pid,comm']);
  t.is(o.code, 0, o.stderr);
  t.deepEqual(o.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)), [['PID', 'COMMAND'], [String(pid), 'sleep']]);

  // Flags of ps itself go before the id, as runc has them.
  const json = await rt.runtime(['ps', '--format', 'json', id]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), [pid]);
  // A ps option ps does not know: ps's own error, passed on.
  const bad = await rt.runtime(['ps', id, '--no-such-ps-option']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /exit status 1|garbage option|unknown/i);
});

// ---------------------------------------------------------------- exec --cgroup

test('exec --cgroup with a path that leaves the container\'s cgroup is refused: "is not a sub cgroup path"', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ ...SLEEPER, linux: { cgroupsPath: `sub-${path.basename(rt.base)}` } });
  for (const sub of ['..', '../x', 'x/../../y', '/../..', 'memory:../x']) {
    const r = await rt.runtime(['exec', '--cgroup', sub, id, 'true']);
    t.is(r.code, 255, `--cgroup ${sub}: ${r.stderr}`);
    const rel = sub.replace(/^[a-z,]+:/, '');
    t.true(r.stderr.includes(`${rel} is not a sub cgroup path`), `--cgroup ${sub}: ${r.stderr}`);
  }
});

// ---------------------------------------------------------------- help

// runc 1.1's commands, checkpoint and restore included (tsrunc lists them and refuses to run them).
const COMMANDS = ['checkpoint', 'create', 'delete', 'events', 'exec', 'kill', 'list', 'pause', 'ps', 'restore', 'resume', 'run', 'spec', 'start', 'state', 'update', 'features'];

test('-h, --help, help and no command at all print the global help and exit 0', async (t) => {
  const rt = useRuntime(t);
  for (const args of [['-h'], ['--help'], ['help'], ['h'], []]) {
    const r = await rt.runtime(args);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    for (const c of ['create', 'exec', 'checkpoint']) t.true(r.stdout.includes(c), `${args.join(' ') || '(none)'} lists ${c}`);
  }
});

test('COMMAND -h exits 0 for every command, checkpoint and restore too; so do COMMAND --help and help COMMAND', async (t) => {
  const rt = useRuntime(t);
  for (const c of COMMANDS) {
    // Every form for a few commands, -h for all (each is a start of the full command line).
    const forms = ['kill', 'exec', 'checkpoint'].includes(c) ? [[c, '-h'], [c, '--help'], ['help', c]] : [[c, '-h']];
    for (const args of forms) {
      const r = await rt.runtime(args);
      t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      t.regex(r.stdout, new RegExp(`\\b${c}\\b`), `${args.join(' ')} is the help of ${c}`);
    }
  }
});

test('an unknown command, with or without -h: "No help topic for \'foo\'", exit 3 (runc\'s words and status)', async (t) => {
  const rt = useRuntime(t);
  for (const args of [['foo', '-h'], ['foo'], ['help', 'foo'], ['--log-format', 'json', 'foo', '--help']]) {
    const r = await rt.runtime(args);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /No help topic for 'foo'/);
    t.is(r.stdout, '');
  }
});

tsruncOnly('checkpoint and restore: their help says tsrunc does not support them, and running them says so', async (t) => {
  const rt = useRuntime(t);
  for (const c of ['checkpoint', 'restore']) {
    const help = await rt.runtime([c, '-h']);
    t.regex(help.stdout, /not supported by tsrunc/);
    const r = await rt.runtime([c, '--image-path', rt.hostDir('img'), 'some-id']);
    t.is(r.code, 1);
    t.regex(r.stderr, new RegExp(`${c} is not supported by tsrunc`));
  }
});

// ---------------------------------------------------------------- --debug

const debugLines = (text) => text.split('\n').filter((l) => /level=debug/.test(l));
const jsonDebugLines = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.level === 'debug');

test('--debug: create, exec and run print level=debug lines on stderr (text) and to --log (json)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(SLEEPER);
  const id = rt.id('dbg');
  const create = await rt.runtime(['--debug', 'create', '--bundle', bundle.dir, id]);
  t.is(create.code, 0, create.stderr);
  t.true(debugLines(create.stderr).length > 0, `create --debug: ${create.stderr}`);
  for (const line of debugLines(create.stderr)) t.regex(line, /^time="[^"]+" level=debug msg=".*"/);
  t.is((await rt.runtime(['start', id])).code, 0);
  const exec = await rt.runtime(['--debug', 'exec', id, 'true']);
  t.is(exec.code, 0, exec.stderr);
  t.true(debugLines(exec.stderr).length > 0, `exec --debug: ${exec.stderr}`);

  // Without --debug: not a line of it.
  const quiet = await rt.runtime(['exec', id, 'true']);
  t.deepEqual(debugLines(quiet.stderr), []);

  // --log FILE --log-format json: the lines go to the file, as JSON, and not to stderr.
  const log = path.join(rt.hostDir('log'), 'runtime.log');
  const run = await rt.runtime(['--debug', '--log', log, '--log-format', 'json', 'run', '-d', '--bundle', rt.makeBundle(SLEEPER).dir, rt.id('dbg')]);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(debugLines(run.stderr), []);
  const lines = jsonDebugLines(fs.readFileSync(log, 'utf8'));
  t.true(lines.length > 0);
  for (const l of lines) t.deepEqual(Object.keys(l).filter((k) => ['level', 'msg', 'time'].includes(k)).sort(), ['level', 'msg', 'time']);
});

tsruncOnly('--debug names the main steps: config, cgroup, init pid, ready, start, exec, kill, delete', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(SLEEPER);
  const id = rt.id('dbg');
  const text = [];
  for (const args of [['create', '--bundle', bundle.dir, id], ['start', id], ['exec', id, 'true'], ['kill', id, 'KILL']]) {
    const r = await rt.runtime(['--debug', ...args]);
    t.is(r.code, 0, r.stderr);
    text.push(...debugLines(r.stderr));
  }
  await rt.waitForStatus(id, 'stopped');
  text.push(...debugLines((await rt.runtime(['--debug', 'delete', id])).stderr));
  const all = text.join('\n');
  for (const step of [/create \S+: config of .* is valid/, /create \S+: cgroup ready/, /create \S+: .*init.*pid \d+/, /create \S+: init ready/,
    /start \S+: the container process was executed/, /exec \S+: process \d+ executed/, /kill \S+: signal 9/, /delete \S+: state removed/]) {
    t.regex(all, step);
  }
});
