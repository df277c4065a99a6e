'use strict';
// Load: many containers created, started and deleted through the CLI, 16 at a time, while
// `list --format json` is sampled over and over. Every call must succeed; every sample must be
// exact; nothing may be left on the host. The throughput is reported as a figure.
//
// "Exact", judged on the begin/end instants the test records around each CLI call (the recorded
// interval always contains the real one, so every judgement below holds of the real calls):
//   - a container whose create had returned before the list began, and whose delete had not begun
//     when the list ended, is listed;
//   - a listed id is one of the test's, whose create had begun before the list ended and whose
//     delete had not returned before the list began (nothing deleted or never created is listed);
//   - its status is one it could have had during the list: `created` between create and the end
//     of start, `running` from start until its init was seen gone from /proc (or deleted),
//     `stopped` from the kill on; its pid is the init's (the --pid-file's) while created or running, 0 once stopped;
//   - every entry passes the OCI state schema, and no id is listed twice.
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const { useRuntime, stateSchemaErrors, waitFor, isAlive } = require('../helpers/runtime');
const { NO_LEAKS, findLeaks, countLeaks } = require('./lib/leaks');
const { figure, trials } = require('./lib/figures');
const { now, runPool, timed } = require('./lib/pool');

const CONTAINERS = trials(200, 1000);
const PARALLELISM = 16;

/** One container's life: create, start, then either kill + wait stopped + delete, or delete --force. */
async function lifecycle(rt, bundle, c) {
  const step = async (name, args) => {
    const r = await timed(rt, args, { timeout: 60000 });
    c[`${name}Begin`] = r.begin;
    c[`${name}End`] = r.end;
    if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim()}`);
    return r;
  };
  const pidFile = path.join(rt.base, `pid-${c.id}`);
  await step('create', ['create', '--bundle', bundle.dir, '--pid-file', pidFile, c.id]);
  c.pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await step('start', ['start', c.id]);
  if (c.viaKill) {
    await step('kill', ['kill', c.id, 'KILL']);
    // Gone from /proc (or a zombie): from here on the runtime must say stopped.
    await waitFor(() => !isAlive(c.pid), { timeout: 30000, interval: 10, what: `${c.id} to stop` });
    c.stoppedSeen = now();
    await step('delete', ['delete', c.id]);
  } else {
    await step('delete', ['delete', '--force', c.id]);
  }
}

/** Statuses container `c` could have had at some instant of [t0, t1] (see the header). */
function legalStatuses(c, t0, t1) {
  const legal = new Set();
  if (c.createBegin < t1 && !(c.startEnd < t0)) legal.add('created');
  if (c.startBegin < t1 && !((c.stoppedSeen ?? c.deleteEnd) < t0)) legal.add('running');
  // Stopped from a kill on, or from a delete --force on (it kills the init first).
  if (Math.min(c.killBegin ?? Infinity, c.deleteBegin ?? Infinity) < t1 && !(c.deleteEnd < t0)) legal.add('stopped');
  return legal;
}

/** What is wrong with one `list --format json` sample (empty: it was exact). */
function sampleProblems(sample, containers, byId) {
  const { begin: t0, end: t1 } = sample;
  if (sample.code !== 0) return [`list exited ${sample.code}: ${sample.stderr.trim()}`];
  let entries;
  try {
    entries = JSON.parse(sample.stdout) ?? [];
  } catch (e) {
    return [`list printed no JSON (${e.message}): ${sample.stdout.slice(0, 200)}`];
  }
  const problems = [];
  const listed = new Set();
  for (const e of entries) {
    const schema = stateSchemaErrors(e);
    if (schema) problems.push(`${e.id}: not a valid state (${schema})`);
    if (listed.has(e.id)) problems.push(`${e.id}: listed twice`);
    listed.add(e.id);
    const c = byId.get(e.id);
    if (!c) {
      problems.push(`${e.id}: listed, but the test never created it`);
      continue;
    }
    if (!(c.createBegin < t1) || c.deleteEnd < t0) problems.push(`${e.id}: listed outside its life (deleted, or not yet created)`);
    const legal = legalStatuses(c, t0, t1);
    if (!legal.has(e.status)) problems.push(`${e.id}: listed ${e.status}, could only be ${[...legal].join('/') || 'absent'}`);
    const pid = e.status === 'stopped' ? 0 : c.pid;
    if (e.pid !== pid) problems.push(`${e.id}: listed ${e.status} with pid ${e.pid}, not ${pid}`);
  }
  for (const c of containers) {
    if (c.createEnd < t0 && !(c.deleteBegin < t1) && !listed.has(c.id)) problems.push(`${c.id}: created and not being deleted, yet not listed`);
  }
  return problems;
}

test(`${CONTAINERS} containers created, started and deleted, ${PARALLELISM} at a time: list exact throughout, nothing leaks`, async (t) => {
  const rt = useRuntime(t);
  // One bundle for all: a read-only rootfs shared by every container, as an engine shares an image.
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const prefix = rt.id('load');
  const containers = Array.from({ length: CONTAINERS }, (_, i) => ({ id: `${prefix}-${i}`, viaKill: i % 2 === 1 }));
  const byId = new Map(containers.map((c) => [c.id, c]));

  // Sample `list` back to back for as long as the load runs.
  const samples = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) samples.push(await timed(rt, ['list', '--format', 'json'], { timeout: 60000 }));
  })();

  const started = now();
  const results = await runPool(PARALLELISM, containers, (c) => lifecycle(rt, bundle, c));
  const seconds = (now() - started) / 1000;
  loading = false;
  await sampler;

  const failures = results.map((r, i) => r?.error && `${containers[i].id}: ${r.error.message}`).filter(Boolean);
  t.deepEqual(failures, [], `${failures.length} of ${CONTAINERS} lifecycles failed`);
  const succeeded = CONTAINERS - failures.length;
  figure('load: containers', succeeded);
  figure('load: containers/s', succeeded / seconds, { add: false, unit: 'containers/s' });
  t.log(`${succeeded} containers in ${seconds.toFixed(1)} s: ${(succeeded / seconds).toFixed(2)} containers/s; ${samples.length} list samples`);

  const problems = samples.flatMap((s, i) => sampleProblems(s, containers, byId).map((p) => `sample ${i}: ${p}`));
  figure('load: list samples', samples.length);
  figure('load: list mismatches', problems.length);
  t.deepEqual(problems.slice(0, 20), [], `${problems.length} problems in ${samples.length} list samples`);
  t.true(samples.length >= 10, `only ${samples.length} list samples were taken`);
  // Most samples must have seen containers, or the test proved little.
  const busy = samples.filter((s) => (JSON.parse(s.stdout || 'null') ?? []).length > 0).length;
  t.true(busy >= samples.length / 2, `only ${busy} of ${samples.length} samples listed any container`);
  // The judge must see a wrong list when there is one: from a sample that listed at least two
  // containers the test knew had to be there, drop one, call another paused, add an id never created.
  const mustList = (s, c) => c.createEnd < s.begin && !(c.deleteBegin < s.end);
  const sample = samples.find((s) => (JSON.parse(s.stdout || 'null') ?? []).filter((e) => mustList(s, byId.get(e.id))).length >= 2);
  const entries = JSON.parse(sample.stdout).filter((e) => mustList(sample, byId.get(e.id)));
  const doctored = [{ ...entries[1], status: 'paused' }, { ...entries[1], id: `${prefix}-never` }];
  t.deepEqual(sampleProblems({ ...sample, stdout: JSON.stringify(doctored) }, [byId.get(entries[0].id), byId.get(entries[1].id)], byId), [
    `${entries[1].id}: not a valid state (${stateSchemaErrors(doctored[0])})`, // this schema's statuses have no "paused"
    `${entries[1].id}: listed paused, could only be ${[...legalStatuses(byId.get(entries[1].id), sample.begin, sample.end)].join('/')}`,
    // A stopped entry was listed with pid 0, which a paused one cannot have: the judge says so too.
    ...(entries[1].status === 'stopped' ? [`${entries[1].id}: listed paused with pid 0, not ${byId.get(entries[1].id).pid}`] : []),
    `${prefix}-never: listed, but the test never created it`,
    `${entries[0].id}: created and not being deleted, yet not listed`,
  ]);

  const leaks = await findLeaks(rt, containers.map((c) => c.id), { names: [prefix] });
  figure('load: leaks found', countLeaks(leaks));
  t.deepEqual(leaks, NO_LEAKS);
  t.deepEqual(fs.readdirSync(rt.root), [], 'the state root is empty');
});
