'use strict';
// The state store under crashes and tampering (src/state/store.ts): a state file that is torn,
// empty or not tsrunc's is recognised (STATE_CORRUPT), never trusted, listed as stopped and removed
// by `delete --force`; a create killed at any step leaves a "creating" record that `delete --force`
// cleans up completely; create and delete --force racing on one id never leave debris.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { Runtime } = require('tsrunc');
const { useRuntime, isTsrunc, isAlive } = require('./helpers/runtime');
const { cgroupsNamed } = require('./torture/lib/leaks');

const tsruncOnly = isTsrunc ? test : test.skip;

/** A state dir for `id` holding `text` as its state file, as tampering or a broken disk would leave it. */
function plantState(rt, id, text) {
  const dir = path.join(rt.root, id);
  fs.mkdirSync(dir, { recursive: true });
  if (text !== undefined) fs.writeFileSync(path.join(dir, 'state.json'), text);
  return dir;
}

/** A state file exactly like the one create writes, for tampering with. */
async function realState(rt) {
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('real');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  if (r.code !== 0) throw new Error(r.stderr);
  const text = fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8');
  const d = await rt.runtime(['delete', '--force', id]);
  if (d.code !== 0) throw new Error(d.stderr);
  return JSON.parse(text);
}

tsruncOnly('a torn, empty or foreign state file is corrupt: state fails, list shows it stopped, delete --force removes it', async (t) => {
  const rt = useRuntime(t);
  const good = await realState(rt);
  // A host directory a forged record names as "its" cgroup: delete --force must not touch it.
  const victim = rt.hostDir('victim');
  fs.mkdirSync(path.join(victim, 'empty'));
  // A live process a forged record names as its init (with its true start time): never signalled.
  const bystander = require('node:child_process').spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.teardown(() => bystander.kill('SIGKILL'));
  const text = JSON.stringify(good);
  const cases = {
    empty: '',
    torn: text.slice(0, Math.floor(text.length / 2)),
    zeros: '\0'.repeat(512),
    array: '[1,2,3]',
    runc: JSON.stringify({ id: 'x', init_process_pid: 1, config: {} }),
    'other id': (id) => JSON.stringify({ ...good, id: `${id}-other` }),
    'pid without start time': (id) => JSON.stringify({ ...good, id, pid: bystander.pid, pidStartTime: '' }),
    'negative pid': (id) => JSON.stringify({ ...good, id, pid: -1 }),
    'cgroup path with ..': (id) => JSON.stringify({ ...good, id, cgroup: { dir: `${victim}/x/../empty`, created: true } }),
    'v1 made outside dirs': (id) => JSON.stringify({ ...good, id, cgroup: { dir: victim, created: true, v1: { dirs: { '': victim }, made: [path.join(victim, 'empty')] } } }),
  };
  for (const [name, content] of Object.entries(cases)) {
    const id = rt.id('corrupt');
    const dir = plantState(rt, id, typeof content === 'function' ? content(id) : content);
    const state = await rt.runtime(['state', id]);
    t.is(state.code, 1, name);
    t.regex(state.stderr, /state file .* is corrupt: .*delete --force/, name);
    const list = await rt.runtime(['list', '--format', 'json']);
    t.is(list.code, 0, `${name}: ${list.stderr}`);
    t.like(JSON.parse(list.stdout).find((s) => s.id === id), { id, pid: 0, status: 'stopped' }, name);
    const del = await rt.runtime(['delete', id]);
    t.is(del.code, 1, `${name}: delete without --force refuses`);
    const force = await rt.runtime(['delete', '--force', id]);
    t.is(force.code, 0, `${name}: ${force.stderr}`);
    t.false(fs.existsSync(dir), name);
  }
  t.true(fs.existsSync(path.join(victim, 'empty')), 'a forged cgroup path is never removed');
  t.true(isAlive(bystander.pid), 'a forged pid is never signalled');
});

tsruncOnly('a state dir without a state file (a crash mid-delete) is listed as stopped and cleared by delete --force', async (t) => {
  const rt = useRuntime(t);
  for (const leftover of [[], ['lock'], ['lock', 'exec.fifo'], ['state.json.123.tmp']]) {
    const id = rt.id('debris');
    const dir = plantState(rt, id);
    for (const f of leftover) fs.writeFileSync(path.join(dir, f), '');
    t.is((await rt.runtime(['state', id])).code, 1);
    const list = await rt.runtime(['list', '--format', 'json']);
    t.is(list.code, 0, list.stderr);
    t.like(JSON.parse(list.stdout).find((s) => s.id === id), { id, pid: 0, status: 'stopped' });
    const del = await rt.runtime(['delete', '--force', id]);
    t.is(del.code, 0, del.stderr);
    t.false(fs.existsSync(dir), leftover.join(','));
  }
  t.deepEqual(fs.readdirSync(rt.root), [], 'nothing stays in --root');
});

tsruncOnly('the creating record: written before anything else exists, names the cgroups to make; delete --force clears a create killed at any step', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  for (const step of ['create:claimed', 'create:fifo', 'create:cgroup', 'create:launched', 'create:pid', 'create:recorded', 'create:placed', 'create:go', 'create:ready']) {
    const id = rt.id('half');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id], { env: { TSRUNC_TEST_STOP_AT: step } });
    t.is(r.signal, 'SIGKILL', `${step}: ${r.stderr}`);
    const stored = JSON.parse(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8'));
    if (step === 'create:claimed') {
      t.is(stored.pid, 0, 'no init yet');
      t.true(stored.cgroup.created, 'the cgroup it is about to make');
      t.deepEqual(cgroupsNamed([id]), [], 'nothing made yet');
    }
    if (step === 'create:cgroup') t.not(cgroupsNamed([id]).length, 0, 'cgroups made, named by the record');
    const state = await rt.runtime(['state', id]);
    t.is(state.code, 0, state.stderr);
    const del = await rt.runtime(['delete', '--force', id]);
    t.is(del.code, 0, `${step}: ${del.stderr}`);
    t.false(fs.existsSync(path.join(rt.root, id)), step);
    t.deepEqual(cgroupsNamed([id]), [], `${step}: no cgroup left`);
    if (stored.pid > 0) t.false(isAlive(stored.pid), `${step}: the init is gone`);
  }
});

tsruncOnly('state.json is replaced atomically: no temp file stays, a killed write leaves the old record whole', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const before = fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8');
  const r = await rt.runtime(['update', '--pids-limit', '77', id], { env: { TSRUNC_TEST_STOP_AT: 'state:temp' } });
  t.is(r.signal, 'SIGKILL');
  t.is(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8'), before, 'the old record, whole');
  t.is((await rt.state(id)).state.status, 'running');
  const ok = await rt.runtime(['update', '--pids-limit', '78', id]);
  t.is(ok.code, 0, ok.stderr);
  t.is(JSON.parse(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8')).config.linux.resources.pids.limit, 78);
  t.deepEqual(fs.readdirSync(path.join(rt.root, id)).filter((f) => f.endsWith('.tmp')).length, 1, 'only the killed write\'s temp file');
});

tsruncOnly('create and delete --force racing on one id: one wins cleanly, nothing half-made stays', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  for (let round = 0; round < 6; round++) {
    const id = rt.id('race');
    const runs = await Promise.all([
      rt.runtime(['create', '--bundle', bundle.dir, id]),
      rt.runtime(['delete', '--force', id]),
      rt.runtime(['create', '--bundle', bundle.dir, id]),
      rt.runtime(['delete', '--force', id]),
    ]);
    for (const r of runs) t.true(r.code === 0 || /container with id exists/.test(r.stderr), r.stderr);
    t.is(runs.filter((r, i) => i % 2 === 0 && r.code === 0).length >= 1, true, 'one create succeeds');
    const state = await rt.runtime(['state', id]);
    if (state.code === 0) t.regex(JSON.parse(state.stdout).status, /created|stopped/);
    t.is((await rt.runtime(['delete', '--force', id])).code, 0);
    t.false(fs.existsSync(path.join(rt.root, id)));
    t.deepEqual(cgroupsNamed([id]), []);
  }
});

tsruncOnly('Runtime.list() lists a corrupt entry as stopped instead of failing', async (t) => {
  const rt = useRuntime(t);
  const warnings = [];
  const runtime = new Runtime({ root: rt.root, logger: { debug() {}, warn: (m) => warnings.push(m) } });
  plantState(rt, 'bad', '{"torn": ');
  t.like(runtime.list(), [{ id: 'bad', pid: 0, status: 'stopped' }]);
  t.is(t.throws(() => runtime.state('bad')).code, 'STATE_CORRUPT');
  t.regex(warnings.join('\n'), /corrupt/);
  await runtime.delete('bad', { force: true });
  t.deepEqual(runtime.list(), []);
});
