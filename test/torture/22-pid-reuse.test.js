'use strict';
// PID reuse: a container's init dies, and its pid is given to an unrelated process - really:
// lib/spawn-at-pid.c (compiled here) makes a process with exactly that pid through clone3's
// set_tid. The runtime still has the old pid in its state. The container must be reported
// `stopped` (by state and list, with pid 0), and no verb may signal the unrelated process:
// kill, kill --all, start, delete and delete --force leave it alive - the same process, told by
// its start time. Both a started container (its init is the user's process) and one only created
// (its init waits for start) are tried, each removed with delete and with delete --force.
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { useRuntime, tempDir, waitFor } = require('../helpers/runtime');
const { NO_LEAKS, findLeaks, countLeaks } = require('./lib/leaks');
const { figure, trials } = require('./lib/figures');

const ROUNDS = trials(4, 40);

/** "<start time>" of a live (non-zombie) pid, or null: field 22 of /proc/<pid>/stat. */
function liveStartTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? null : fields[19];
  } catch {
    return null;
  }
}

/** Starts `sleep 1000` with exactly pid `pid` (once the old owner is reaped); returns its start time. */
async function impostorAt(helper, pid, marker) {
  let last;
  await waitFor(() => {
    last = spawnSync(helper, [String(pid), 'sleep', '1000'], { env: { PATH: process.env.PATH, TSRUNC_PID_REUSE: marker }, encoding: 'utf8', timeout: 10000 });
    if (last.status === 0) return true;
    if (last.status !== 17) throw new Error(`spawn-at-pid ${pid} failed (${last.status}): ${last.stderr}`);
    return false; // still taken: the dead init is not reaped yet
  }, { timeout: 20000, interval: 20, what: `pid ${pid} to be free (${last?.stderr})` });
  if (Number(last.stdout) !== pid) throw new Error(`spawn-at-pid gave pid ${last.stdout}, not ${pid}`);
  return waitFor(() => liveStartTime(pid), { timeout: 5000, what: `the impostor ${pid} to show in /proc` });
}

test(`a stopped container whose pid was reused is stopped, and no verb signals the new owner (${ROUNDS} rounds)`, async (t) => {
  const rt = useRuntime(t);
  const helper = path.join(tempDir(t, 'tsrunc-pid-reuse-'), 'spawn-at-pid');
  execFileSync('cc', ['-O2', '-Wall', '-o', helper, path.join(__dirname, 'lib/spawn-at-pid.c')]);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const impostors = [];
  t.teardown(() => impostors.forEach(({ pid, start }) => { if (liveStartTime(pid) === start) process.kill(pid, 'SIGKILL'); }));
  const ids = [];
  let signalled = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const started = round % 2 === 0;
    const removal = round % 4 < 2 ? ['delete'] : ['delete', '--force'];
    const id = rt.id('reuse');
    ids.push(id);
    const what = `round ${round} (${started ? 'started' : 'created'}, ${removal.join(' ')})`;
    const pidFile = path.join(rt.base, `${id}.pid`);
    const call = async (args, code) => {
      const r = await rt.runtime(args);
      t.is(r.code, code, `${what}: ${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    await call(['create', '--bundle', bundle.dir, '--pid-file', pidFile, id], 0);
    if (started) await call(['start', id], 0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await call(['kill', id, 'KILL'], 0);
    await rt.waitForStatus(id, 'stopped');

    const start = await impostorAt(helper, pid, rt.base);
    impostors.push({ pid, start });
    const alive = (after) => {
      const same = liveStartTime(pid) === start;
      if (!same) signalled++;
      t.true(same, `${what}: the process that now has pid ${pid} is gone after ${after}`);
    };

    const state = (await rt.state(id)).state;
    t.like(state, { status: 'stopped', pid: 0 }, what);
    const listed = (JSON.parse((await call(['list', '--format', 'json'], 0)).stdout) ?? []).find((s) => s.id === id);
    t.like(listed, { status: 'stopped', pid: 0 }, what);
    for (const args of [['kill', id, 'KILL'], ['kill', id, 'TERM'], ['kill', '--all', id, 'KILL'], ['start', id]]) {
      const r = await call(args, 1);
      t.regex(r.stderr, /not running|has stopped/, `${what}: ${args.join(' ')}`);
      alive(args.join(' '));
    }
    await call([...removal, id], 0);
    alive(removal.join(' '));
    t.false(fs.existsSync(path.join(rt.root, id)), `${what}: state dir removed`);
  }

  const leaks = await findLeaks(rt, ids);
  figure('pid reuse: trials', ROUNDS);
  figure('pid reuse: unrelated processes signalled', signalled);
  figure('pid reuse: leaks found', countLeaks(leaks));
  t.deepEqual(leaks, NO_LEAKS);
  for (const { pid, start } of impostors) t.is(liveStartTime(pid), start, `pid ${pid} still runs its unrelated process`);
});
