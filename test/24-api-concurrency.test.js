'use strict';
// The in-process API runs containers side by side: its waits (the init's steps, start's exec,
// the cgroup writes, delete) go through the event loop, so one Node process overlaps many
// containers. What that must not break: every container still runs, exits with its own status and
// is cleaned up; a verb that reads (state, kill) works while another verb of this process on the
// same container is awaiting; a second verb that would change it is refused at once, never a hang.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { Runtime, TsruncError } = require('tsrunc');
const { useRuntime, isTsrunc } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const tsruncOnly = isTsrunc ? test : test.skip;

/** Every cgroup directory named after `id`, in any hierarchy (there should be none after delete). */
function cgroupDirsOf(id) {
  const found = [];
  const walk = (dir, depth) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name === id) found.push(path.join(dir, e.name));
      else if (depth > 0) walk(path.join(dir, e.name), depth - 1);
    }
  };
  walk('/sys/fs/cgroup', 4);
  return found;
}

tsruncOnly('16 containers at parallelism 12 from one process: each exits with its own status, nothing is left, no warning', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle(shell('exit $CODE'));
  const ids = Array.from({ length: 16 }, () => rt.id('par'));
  // run() forwards this process's signals to its container: one listener per signal in all, not
  // one per container (the eleventh would draw a MaxListenersExceededWarning).
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  let next = 0;
  const statuses = new Array(ids.length);
  await Promise.all(Array.from({ length: 12 }, async () => {
    while (next < ids.length) {
      const i = next++;
      const spec = JSON.parse(JSON.stringify(bundle.config));
      spec.process.env.push(`CODE=${i}`);
      statuses[i] = await runtime.run(ids[i], { spec, rootfs: bundle.rootfs, stdio: ['ignore', 'ignore', 'ignore'] });
    }
  }));
  t.deepEqual(statuses, ids.map((_, i) => i), 'each container exited with its own status');
  t.deepEqual(runtime.list(), [], 'every container was deleted');
  t.deepEqual(ids.flatMap(cgroupDirsOf), [], 'no cgroup is left');
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  t.deepEqual(warnings, []);
  t.is(process.listenerCount('SIGTERM'), 0, 'the forwarding handler is gone once no container runs');
});

tsruncOnly('while start() awaits the exec, state() and kill() of the same container work', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle(shell('exec sleep 60'));
  const id = rt.id('inflight');
  await runtime.create(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  const started = runtime.start(id); // holds the container's lock until the exec is seen
  t.true(['created', 'running'].includes(runtime.state(id).status), 'state() reads it meanwhile');
  await started;
  t.is(runtime.state(id).status, 'running');
  runtime.kill(id, 'KILL');
  await runtime.delete(id, { force: true });
  t.throws(() => runtime.state(id), { instanceOf: TsruncError, message: /does not exist/ });
});

tsruncOnly('a second changing verb on a container this process is still creating is refused at once, not a hang', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle(shell('exit 0'));
  const id = rt.id('busy');
  const creating = runtime.create(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  const e = await t.throwsAsync(runtime.delete(id, { force: true }), { instanceOf: TsruncError });
  t.is(e.code, 'INVALID_STATE');
  t.regex(e.message, /busy/);
  await creating; // the create was not disturbed
  t.is(runtime.state(id).status, 'created');
  await runtime.delete(id, { force: true });
  t.false(fs.existsSync(path.join(rt.root, id)));
});

tsruncOnly('a cgroup the kernel refuses to make (set up off the main thread) is a typed error naming the field; nothing is left', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  // Relative, so under this process's own cgroup: a path through a file, which mkdir refuses.
  const bundle = rt.makeBundle(shell('exit 0', (c) => {
    c.linux.cgroupsPath = 'cgroup.procs/x';
  }));
  const id = rt.id('badcg');
  const e = await t.throwsAsync(runtime.run(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] }), { instanceOf: TsruncError });
  t.is(e.code, 'SETUP_FAILED');
  t.is(e.pointer, '/linux/cgroupsPath');
  t.regex(e.message, /cgroup\.procs\/x/);
  t.false(fs.existsSync(path.join(rt.root, id)), 'no state directory');
  t.deepEqual(runtime.list(), []);
});
