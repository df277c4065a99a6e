'use strict';
// `run` exits with the container's exit status, or 128+N when it died of signal N.
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');

// pid 1 of a PID namespace ignores signals it has no handler for, even SIGKILL from inside
// the namespace: a process that kills itself must not be pid 1, so those cases share the
// host PID namespace.
const withoutPidNamespace = (c) => {
  c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'pid');
};

for (const { what, script, hostPid, expected } of [
  { what: 'exits 0', script: 'exit 0', expected: 0 },
  { what: 'exits 3', script: 'exit 3', expected: 3 },
  { what: 'exits 42', script: 'exit 42', expected: 42 },
  { what: 'kills itself with SIGKILL', script: 'kill -KILL $$', hostPid: true, expected: 137 },
  { what: 'kills itself with SIGTERM', script: 'kill -TERM $$', hostPid: true, expected: 143 },
]) {
  test(`run exits ${expected} when the container ${what}`, async (t) => {
    const rt = useRuntime(t);
    const r = await rt.run((c) => {
      c.process.args = ['sh', '-c', script];
      if (hostPid) withoutPidNamespace(c);
    });
    t.is(r.code, expected, r.stderr);
  });
}

test('a foreground run exits 137 when another command kills the container with KILL', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '60'] } });
  const id = rt.id('fg');
  const run = rt.spawnRuntime(['run', '--bundle', bundle.dir, id]);
  await rt.waitForStatus(id, 'running');

  const kill = await rt.runtime(['kill', id, 'KILL']);
  t.is(kill.code, 0, kill.stderr);
  const r = await run.done;
  t.is(r.code, 137, r.stderr);
});
