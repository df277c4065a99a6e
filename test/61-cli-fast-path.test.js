'use strict';
// The argv fast path (src/cli/fast-path.ts) must be invisible: for the shapes clients send, and for
// the near-misses it leaves to yargs, stdout, stderr and the exit code are the same with it as
// through yargs alone (TSRUNC_FAST_PATH=0). Real containers.
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;
const YARGS = { TSRUNC_FAST_PATH: '0' };
// Log lines carry a timestamp; everything else must match byte for byte.
const untimed = (s) => s.replace(/time="[^"]*"|"time":"[^"]*"/g, 'time');

async function same(t, rt, args, opts = {}) {
  const fast = await rt.runtime(args, opts);
  const slow = await rt.runtime(args, { ...opts, env: { ...opts.env, ...YARGS } });
  t.deepEqual(
    { code: fast.code, stdout: fast.stdout, stderr: untimed(fast.stderr) },
    { code: slow.code, stdout: slow.stdout, stderr: untimed(slow.stderr) },
    args.join(' '),
  );
  return fast;
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
  await same(t, rt, ['kill', id, 'NOSUCHSIG']);
  await same(t, rt, ['delete', id]); // running: refused
  await same(t, rt, ['start', 'missing']);
  await same(t, rt, ['kill', '--all', 'missing', '9']);
  await same(t, rt, ['delete', '-f', 'missing']);
  await same(t, rt, ['--debug', '--systemd-cgroup', 'delete', '--force', 'missing']);
  await same(t, rt, ['create', '--bundle', '/nonexistent', '--pid-file', '/tmp/x.pid', 'c-nope']);
  await same(t, rt, ['run', '-b', '/nonexistent', '-d', 'c-nope']);
  await same(t, rt, ['create', '--preserve-fds', 'x', '--bundle', bundle.dir, 'c-nope']);

  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  await same(t, rt, ['state', id]);
  t.is((await rt.runtime(['delete', id])).code, 0);
});

tsruncOnly('run exits with the container status either way', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'echo out; exit 3'] } });
  const a = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('fp-run')]);
  const b = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('fp-run')], { env: YARGS });
  t.deepEqual([a.code, a.stdout], [3, 'out\n']);
  t.deepEqual([b.code, b.stdout], [3, 'out\n']);
});
