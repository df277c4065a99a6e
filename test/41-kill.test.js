'use strict';
// `kill ID [SIGNAL]` and `delete --force` on running containers.
const test = require('ava');
const { useRuntime, isAlive, waitFor } = require('./helpers/runtime');

// pid 1 of a PID namespace only gets the signals it has a handler for (plus SIGKILL from
// outside), so the container traps TERM to make `kill ID TERM` stop it.
const TRAPS_TERM = { process: { args: ['sh', '-c', 'trap "exit 143" TERM; sleep 60 & wait'] } };

for (const signal of ['TERM', 'SIGKILL', '9']) {
  test(`kill ID ${signal} stops a running container`, async (t) => {
    const rt = useRuntime(t);
    const { id, pid } = await rt.startContainer(TRAPS_TERM);
    const r = await rt.runtime(['kill', id, signal]);
    t.is(r.code, 0, r.stderr);
    await rt.waitForStatus(id, 'stopped');
    t.false(isAlive(pid));
  });
}

test('kill with an unknown signal fails and the container keeps running', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(TRAPS_TERM);
  const r = await rt.runtime(['kill', id, 'SIGFOO']);
  t.not(r.code, 0);
  t.regex(r.stderr, /unknown signal/i);
  t.is((await rt.state(id)).state?.status, 'running');
  t.true(isAlive(pid));
});

test('kill of a stopped container fails', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['true'] } }, { until: 'stopped' });
  const r = await rt.runtime(['kill', id, 'KILL']);
  t.not(r.code, 0);
  t.regex(r.stderr, /not running/i);
});

test('delete --force removes a running container and its process', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(TRAPS_TERM);
  const r = await rt.runtime(['delete', '--force', id]);
  t.is(r.code, 0, r.stderr);
  t.not((await rt.state(id)).code, 0);
  await waitFor(() => !isAlive(pid), { timeout: 3000, what: `pid ${pid} to exit` });
  t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
});
