'use strict';
// Races on one id: in each round 16 CLI processes start at once (each after a random pause of a
// few ms), each running one of create, start, kill, delete, delete --force or state on the SAME
// container id; the container's life carries over from round to round, so ids are created,
// killed, deleted and created again while other verbs race with them.
//
// What must hold:
//   - never a second init: at every instant sampled, at most one process in the id's cgroup is a
//     container init (pid 1 of its own pid namespace);
//   - at most one create succeeds per generation: when 16 creates race on an absent id (every
//     fifth round), exactly one succeeds;
//   - never a corrupt state: <root>/<id>/state.json, whenever it can be read, parses; every
//     `state` that succeeds, and every entry `list` prints (list never fails), passes the OCI schema;
//   - only legal transitions: each call succeeds or fails with the error its verb may give in some
//     serial order (exists, does not exist, not running, stopped, running...), never another one;
//     one container (told by its `created` time) only moves forward through created -> running ->
//     stopped, and a container once replaced never comes back; between two successful creates
//     there is a successful delete;
//   - never an orphan: whenever the calls of a round are over, an init is alive exactly when
//     `state` says created or running, with the pid `state` reports; and once the id does not
//     exist, nothing of it remains (no process, state dir or cgroup);
//   - at the end, after delete --force, nothing at all remains (findLeaks).
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const { useRuntime, stateSchemaErrors, waitFor, sleep } = require('../helpers/runtime');
const { NO_LEAKS, findLeaks, countLeaks } = require('./lib/leaks');
const { figure, trials } = require('./lib/figures');
const { timed } = require('./lib/pool');

const ROUNDS = trials(15, 150);
const RACERS = 16;

// Weighted: creates often enough that new generations appear in most rounds.
const OPS = ['create', 'create', 'create', 'create', 'start', 'start', 'start', 'kill', 'kill',
  'delete', 'delete-force', 'delete-force', 'state', 'state', 'list'];

/** The errors each verb may legally fail with when others race it on the same id. */
const LEGAL_ERRORS = {
  create: [/container with id exists/],
  start: [/does not exist/, /cannot start a container that has stopped/, /cannot start an already running container/,
    /container init exited before it could be started/],
  kill: [/does not exist/, /container not running/],
  delete: [/does not exist/, /cannot delete container \S+ that is not stopped: running/],
  'delete-force': [],
  state: [/does not exist/],
  list: [],
};

const readOr = (file, fallback = null) => { try { return fs.readFileSync(file, 'utf8'); } catch { return fallback; } };

/** Live container inits of `id`: processes in a cgroup named after it that are pid 1 of their pid namespace. */
function initsOf(id) {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cgroups = readOr(`/proc/${name}/cgroup`, '');
    if (!cgroups.split('\n').some((l) => l.endsWith(`/${id}`))) continue;
    const status = readOr(`/proc/${name}/status`, '');
    const nspid = (status.match(/^NSpid:\s*(.*)$/m) || [])[1]?.trim().split(/\s+/) ?? [];
    const state = (status.match(/^State:\s*(\S)/m) || [])[1];
    if (nspid.length > 1 && nspid[nspid.length - 1] === '1' && state !== 'Z' && state !== 'X') found.push(Number(name));
  }
  return found;
}

function argsOf(op, id, bundle, pidFile) {
  switch (op) {
    case 'create': return ['create', '--bundle', bundle.dir, '--pid-file', pidFile, id];
    case 'kill': return ['kill', id, 'KILL'];
    case 'delete-force': return ['delete', '--force', id];
    default: return [op, id];
  }
}

/** Problems with the observed states of one id, in the order the calls could be told apart. */
function transitionProblems(observations) {
  const rank = { created: 0, running: 1, stopped: 2 };
  const problems = [];
  for (const a of observations) {
    for (const b of observations) {
      if (!(a.end < b.begin)) continue; // only calls that did not overlap have an order
      if (a.created === b.created && rank[b.status] < rank[a.status]) {
        problems.push(`container created ${a.created} went back from ${a.status} to ${b.status}`);
      }
      if (a.created !== b.created) {
        const back = observations.find((c) => b.end < c.begin && c.created === a.created);
        if (back) problems.push(`container created ${a.created} came back after ${b.created} replaced it`);
      }
    }
  }
  return [...new Set(problems)];
}

test(`${RACERS} processes race create, start, kill and delete on one id for ${ROUNDS} rounds`, async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('race');
  const stateFile = path.join(rt.root, id, 'state.json');
  const violations = [];
  const observations = []; // {begin, end, created, status} of every successful `state`
  let ops = 0;
  let maxInits = 0;
  let generations = 0;

  // The sampler: inits and the raw state file, as often as the event loop lets it.
  let racing = true;
  let samples = 0;
  const sampler = (async () => {
    while (racing) {
      const inits = initsOf(id);
      maxInits = Math.max(maxInits, inits.length);
      if (inits.length > 1) violations.push(`${inits.length} inits alive at once: ${inits.join(', ')}`);
      const text = readOr(stateFile);
      if (text !== null) {
        try {
          JSON.parse(text);
        } catch (e) {
          violations.push(`state.json does not parse (${e.message}): ${JSON.stringify(text.slice(0, 100))}`);
        }
      }
      samples++;
      await sleep(2);
    }
  })();

  const observe = (r, state) => {
    const schema = stateSchemaErrors(state);
    if (schema) violations.push(`${r.op} printed an invalid state (${schema}): ${JSON.stringify(state)}`);
    observations.push({ begin: r.begin, end: r.end, created: state.created, status: state.status });
  };
  const parse = (r) => {
    try {
      return JSON.parse(r.stdout);
    } catch (e) {
      violations.push(`${r.op} printed no JSON (${e.message}): ${r.stdout.slice(0, 100)}`);
      return undefined;
    }
  };
  const observeState = async () => {
    const r = { op: 'state', ...await timed(rt, ['state', id]) };
    if (r.code === 0) r.state = parse(r);
    if (r.state) observe(r, r.state);
    return r;
  };
  const observeList = async () => {
    const r = { op: 'list', ...await timed(rt, ['list', '--format', 'json']) };
    const entries = r.code === 0 ? parse(r) ?? [] : [];
    for (const e of entries) {
      if (e.id !== id) violations.push(`list shows ${e.id}, never created`);
      observe(r, e);
    }
    return r;
  };

  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Every fifth round starts from an absent id and races 16 creates.
      const allCreate = round % 5 === 0;
      if (allCreate) await rt.runtime(['delete', '--force', id]);
      const existed = (await rt.runtime(['state', id])).code === 0;
      const calls = Array.from({ length: RACERS }, async (_, i) => {
        const op = allCreate ? 'create' : OPS[Math.floor(Math.random() * OPS.length)];
        const pidFile = path.join(rt.base, `race-${round}-${i}.pid`);
        await sleep(Math.random() * 20);
        const r = op === 'state' ? await observeState()
          : op === 'list' ? await observeList()
            : await timed(rt, argsOf(op, id, bundle, pidFile), { timeout: 60000 });
        return { ...r, op, pidFile };
      });
      const results = await Promise.all(calls);
      ops += results.length;
      for (const r of results) {
        const message = r.stderr.trim();
        if (r.timedOut) violations.push(`round ${round}: ${r.op} timed out: ${message}`);
        else if (r.code !== 0 && !LEGAL_ERRORS[r.op].some((re) => re.test(message))) {
          violations.push(`round ${round}: ${r.op} failed with an error no serial order explains (exit ${r.code}): ${message}`);
        }
      }
      const created = results.filter((r) => r.op === 'create' && r.code === 0);
      const deleted = results.filter((r) => r.op.startsWith('delete') && r.code === 0);
      generations += created.length;
      if (allCreate && created.length !== 1) violations.push(`round ${round}: ${created.length} of ${RACERS} racing creates succeeded, not 1`);
      if (created.length > deleted.length + (existed ? 0 : 1)) {
        violations.push(`round ${round}: ${created.length} creates succeeded with only ${deleted.length} deletes (container existed before: ${existed})`);
      }

      // Quiescent: no call runs. State and processes must agree.
      const r = await observeState();
      if (r.code === 0 && r.state) {
        const { status, pid } = r.state;
        const inits = await waitFor(() => {
          const found = initsOf(id);
          return (status === 'stopped' ? found.length === 0 : found.length === 1) && found;
        }, { timeout: 3000 }).catch(() => initsOf(id));
        if (status === 'stopped' && inits.length) violations.push(`round ${round}: stopped, yet inits alive: ${inits}`);
        if (status !== 'stopped' && !(inits.length === 1 && inits[0] === pid)) {
          violations.push(`round ${round}: ${status} with pid ${pid}, yet the inits alive are [${inits}]`);
        }
        if (status !== 'stopped' && !created.some((c) => Number(readOr(c.pidFile)) === pid) && !existed) {
          violations.push(`round ${round}: ${status} with pid ${pid}, which no successful create of the round reported`);
        }
      } else if (r.code !== 0) {
        const inits = initsOf(id);
        if (inits.length) violations.push(`round ${round}: the id does not exist, yet its inits are alive (orphans): ${inits}`);
        if (fs.existsSync(path.join(rt.root, id))) violations.push(`round ${round}: the id does not exist, yet its state dir does`);
      }
    }
  } finally {
    racing = false;
    await sampler;
  }

  violations.push(...transitionProblems(observations));
  const del = await rt.runtime(['delete', '--force', id]);
  t.is(del.code, 0, del.stderr);
  const leaks = await findLeaks(rt, [id]);

  figure('race: rounds', ROUNDS);
  figure('race: operations', ops);
  figure('race: generations', generations);
  figure('race: violations', violations.length);
  figure('race: leaks found', countLeaks(leaks));
  t.log(`${ROUNDS} rounds, ${ops} calls, ${generations} containers created, ${observations.length} states observed, ` +
    `${samples} samples, at most ${maxInits} init alive at once`);
  t.deepEqual(violations, []);
  t.deepEqual(leaks, NO_LEAKS);
  t.deepEqual(initsOf(id), []);
  t.true(generations >= 2, 'the races created the id more than once');
  t.is(maxInits, 1, 'the sampler saw the init');
});
