'use strict';
// Container lifecycle: create -> created -> start -> running -> exit -> stopped -> delete.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, stateSchemaErrors, isAlive, waitFor } = require('./helpers/runtime');

const SLEEPER = { process: { args: ['sleep', '60'] } };

/** `state ID`, asserted to succeed and to match the OCI state schema. */
async function validState(t, rt, id) {
  const r = await rt.state(id);
  t.is(r.code, 0, r.stderr);
  t.is(stateSchemaErrors(r.state), null, r.stdout);
  t.is(r.state.id, id);
  return r.state;
}

async function create(t, rt, patch, extraArgs = []) {
  const bundle = rt.makeBundle(patch);
  const id = rt.id('life');
  const r = await rt.runtime(['create', ...extraArgs, '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  return { id, bundle };
}

test('create, start, exit, delete walk through the OCI states', async (t) => {
  const rt = useRuntime(t);
  // The container process waits until the test creates /gate/open (a bind-mounted host dir).
  const gate = rt.hostDir('gate');
  const { id, bundle } = await create(t, rt, (c) => {
    c.process.args = ['sh', '-c', 'while [ ! -e /gate/open ]; do sleep 0.05; done'];
    c.mounts.push({ destination: '/gate', type: 'bind', source: gate, options: ['bind'] });
  });

  const created = await validState(t, rt, id);
  t.is(created.status, 'created');
  t.true(created.pid > 0);
  t.true(fs.existsSync(`/proc/${created.pid}`), 'the created container has a live init process');
  t.is(fs.realpathSync(created.bundle), fs.realpathSync(bundle.dir));

  const started = await rt.runtime(['start', id]);
  t.is(started.code, 0, started.stderr);
  const running = await validState(t, rt, id);
  t.is(running.status, 'running');
  t.is(running.pid, created.pid);

  fs.writeFileSync(path.join(gate, 'open'), '');
  await rt.waitForStatus(id, 'stopped');
  t.is((await validState(t, rt, id)).status, 'stopped');

  const deleted = await rt.runtime(['delete', id]);
  t.is(deleted.code, 0, deleted.stderr);
  const gone = await rt.state(id);
  t.not(gone.code, 0);
  t.regex(gone.stderr, new RegExp(`${id}|does not exist`));
});

test('create --pid-file writes the init pid', async (t) => {
  const rt = useRuntime(t);
  const pidFile = path.join(rt.base, 'container.pid');
  const { id } = await create(t, rt, SLEEPER, ['--pid-file', pidFile]);
  const { pid } = await validState(t, rt, id);
  t.is(Number(fs.readFileSync(pidFile, 'utf8').trim()), pid);
});

test('creating an existing id fails and leaves the first container intact', async (t) => {
  const rt = useRuntime(t);
  const { id } = await create(t, rt, SLEEPER);
  const before = await validState(t, rt, id);

  const again = await rt.runtime(['create', '--bundle', rt.makeBundle(SLEEPER).dir, id]);
  t.not(again.code, 0);
  t.regex(again.stderr, /exist/i);

  const after = await validState(t, rt, id);
  t.is(after.status, 'created');
  t.is(after.pid, before.pid);
  t.true(isAlive(after.pid));
});

test('list shows the container, as a table and as JSON', async (t) => {
  const rt = useRuntime(t);
  const { id, bundle } = await create(t, rt, SLEEPER);

  const table = await rt.runtime(['list']);
  t.is(table.code, 0, table.stderr);
  const [header, ...rows] = table.stdout.trim().split('\n');
  t.regex(header, /^ID\s+PID\s+STATUS\s+BUNDLE/);
  t.truthy(rows.find((row) => row.split(/\s+/)[0] === id && /\screated\s/.test(row)), table.stdout);

  const json = await rt.runtime(['list', '--format', 'json']);
  t.is(json.code, 0, json.stderr);
  const entries = JSON.parse(json.stdout);
  const entry = entries.find((e) => e.id === id);
  t.is(entry?.status, 'created');
  t.is(fs.realpathSync(entry.bundle), fs.realpathSync(bundle.dir));
  t.is(stateSchemaErrors(entry), null);
});

test('delete of a running container fails without --force, succeeds with it', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(SLEEPER);

  const refused = await rt.runtime(['delete', id]);
  t.not(refused.code, 0);
  t.regex(refused.stderr, /running|not stopped/i);
  t.is((await validState(t, rt, id)).status, 'running');

  const forced = await rt.runtime(['delete', '--force', id]);
  t.is(forced.code, 0, forced.stderr);
  t.not((await rt.state(id)).code, 0);
  await waitFor(() => !isAlive(pid), { timeout: 3000, what: `pid ${pid} to exit` });
  t.pass();
});

test('delete --force of an unknown id exits 0', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.runtime(['delete', '--force', rt.id('never-created')]);
  t.is(r.code, 0, r.stderr);
});

test('delete --force clears the directory a killed create leaves behind, so the id can be reused', async (t) => {
  const rt = useRuntime(t);
  const id = rt.id('stale');
  // What a create killed before it saved any state leaves: the claimed directory, nothing in it.
  fs.mkdirSync(path.join(rt.root, id), { recursive: true });
  const del = await rt.runtime(['delete', '--force', id]);
  t.is(del.code, 0, del.stderr);
  t.false(fs.existsSync(path.join(rt.root, id)));
  const bundle = rt.makeBundle({ process: { args: ['true'] } });
  const run = await rt.runtime(['run', '--bundle', bundle.dir, id]);
  t.is(run.code, 0, run.stderr);
});
