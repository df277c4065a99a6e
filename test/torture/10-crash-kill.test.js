'use strict';
// Crash consistency: tsrunc SIGKILLed in the middle of create, start, exec, kill, delete, update,
// pause and resume - at a random wall-clock instant of the verb, or exactly at one of its named
// steps (TSRUNC_TEST_STOP_AT, src/crash-point.ts) - and then `delete --force` must leave nothing:
// no process, no mount in any namespace, no cgroup in any hierarchy, no state dir, lock, FIFO or
// fd; the host's device nodes and the bundle's rootfs unchanged (lib/crash.js afterCrash).
// Default run: every named step once, then random kills; --long: 1,000 trials.
const test = require('ava');
const { isTsrunc, useRuntime } = require('../helpers/runtime');
const { CRASH_POINTS } = require('tsrunc/internal');
const { figure, trials } = require('./lib/figures');
const { afterCrash, hostSnapshot } = require('./lib/crash');

const TRIALS = trials(45, 1000);

// Each verb: the state its container must be in first, and the command (id last).
const STAGES = {
  create: { needs: 'none', args: (b) => ['create', '--bundle', b.dir] },
  start: { needs: 'created', args: () => ['start'] },
  exec: { needs: 'running', args: () => ['exec', ID, 'true'] },
  kill: { needs: 'running', args: () => ['kill', '--all'], tail: ['KILL'] },
  delete: { needs: 'running', args: () => ['delete', '--force'] },
  update: { needs: 'running', args: () => ['update', '--pids-limit', '200', '--memory', '64m'] },
  pause: { needs: 'running', args: () => ['pause'] },
  resume: { needs: 'paused', args: () => ['resume'] },
};
const ID = Symbol('id');
const argsFor = (stage, bundle, id) => {
  const s = STAGES[stage];
  const args = s.args(bundle);
  return args.includes(ID) ? args.map((a) => (a === ID ? id : a)) : [...args, id, ...(s.tail ?? [])];
};

// The steps of each verb (crash-point.ts); state:temp is hit by every state.json write.
const stepsOf = (stage) => CRASH_POINTS.filter((p) => p.startsWith(`${stage === 'resume' ? 'pause' : stage}:`) ||
  (p === 'state:temp' && (stage === 'create' || stage === 'update')));

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(isTsrunc ? test : test.skip)('SIGKILL at any instant of a verb: delete --force leaves nothing', async (t) => {
  t.timeout(TRIALS * 15000);
  const rt = useRuntime(t);
  // A runtime hook makes create take its longest path (sync steps 4 and 5); poststop runs on delete.
  const bundle = rt.makeBundle((c) => {
    c.process.args = ['sleep', '1000'];
    c.hooks = { createRuntime: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true' }] };
  });
  const host = hostSnapshot(bundle);

  const bring = async (id, needs) => {
    const steps = { none: [], created: ['create'], running: ['create', 'start'], paused: ['create', 'start', 'pause'] }[needs];
    for (const verb of steps) {
      const r = await rt.runtime(verb === 'create' ? ['create', '--bundle', bundle.dir, id] : [verb, id]);
      if (r.code !== 0) throw new Error(`${verb} ${id} failed (${r.code}): ${r.stderr}`);
    }
  };

  // How long each verb takes uncut, so that random kills fall anywhere inside it.
  const duration = {};
  for (const stage of Object.keys(STAGES)) {
    const id = rt.id('warm');
    await bring(id, STAGES[stage].needs);
    const started = Date.now();
    const r = await rt.runtime(argsFor(stage, bundle, id));
    duration[stage] = Date.now() - started;
    t.is(r.code, 0, `${stage}: ${r.stderr}`);
    t.deepEqual((await afterCrash(rt, id, host)).problems, [], `warm-up ${stage}`);
  }
  t.log('uncut durations (ms):', JSON.stringify(duration));

  const schedule = [];
  for (const stage of Object.keys(STAGES)) for (const step of stepsOf(stage)) schedule.push({ stage, step });
  const failures = [];
  const counts = { random: 0, step: 0, killed: 0, completed: 0, leaks: 0 };
  for (let i = 0; i < Math.max(TRIALS, schedule.length); i++) {
    // Every named step once, then a mix: two random wall-clock kills for each named-step one.
    const trial = schedule[i] ?? (Math.random() < 2 / 3
      ? { stage: pick(Object.keys(STAGES)), delay: true }
      : (() => { const stage = pick(Object.keys(STAGES)); return { stage, step: pick(stepsOf(stage)) }; })());
    const id = rt.id(trial.stage.slice(0, 3));
    const what = `trial ${i} ${trial.stage} ${trial.step ?? 'random'}`;
    try {
      await bring(id, STAGES[trial.stage].needs);
      let killer;
      const env = trial.step ? { TSRUNC_TEST_STOP_AT: trial.step } : undefined;
      const { child, done } = rt.spawnRuntime(argsFor(trial.stage, bundle, id), { env });
      if (trial.delay) {
        // Node's start-up is much of a verb's time: half the kills land anywhere from 0, half in its
        // later part, where the verb does its work (up to past its end: some finish first).
        const ms = duration[trial.stage] * (Math.random() < 0.5 ? Math.random() * 1.2 : 0.4 + Math.random() * 0.9);
        trial.step = `random ${ms.toFixed(0)} ms`;
        killer = sleep(ms).then(() => child.kill('SIGKILL'));
      }
      const r = await done;
      await killer;
      counts[trial.delay ? 'random' : 'step']++;
      counts[r.signal === 'SIGKILL' ? 'killed' : 'completed']++;
      const { problems, leaks } = await afterCrash(rt, id, host);
      if (!trial.delay && r.signal !== 'SIGKILL') problems.push(`tsrunc did not stop at ${trial.step}: exit ${r.code}, ${r.stderr.trim()}`);
      counts.leaks += leaks;
      if (problems.length) failures.push(`${what} (${trial.step}, tsrunc ${r.signal ?? r.code}): ${problems.join('; ')}`);
    } catch (e) {
      failures.push(`${what}: ${e.message}`);
      await rt.runtime(['delete', '--force', id]);
    }
  }
  figure('crash: trials', counts.random + counts.step);
  figure('crash: random wall-clock kills', counts.random);
  figure('crash: kills at a named step', counts.step);
  figure('crash: verbs killed (others finished first)', counts.killed);
  figure('crash: leaks found', counts.leaks);
  t.log(JSON.stringify(counts));
  t.deepEqual(failures, []);
});
