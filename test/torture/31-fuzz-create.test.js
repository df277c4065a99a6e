'use strict';
// Fuzzing config.json through the real CLI: mutated copies of the default bundle's config (and of a
// richer one with every kind of field), and configs generated from scratch, go to `tsrunc create`;
// one it accepts is started and force-deleted. Every invocation ends with exit 0 or 1 (never a
// signal, never an abort), a rejection is a typed error line that names the field (a JSON pointer),
// no output holds a JavaScript error name or a stack trace, tsrunc-init never crashes (the kernel
// log is checked too), and after every batch nothing is left: no process, mount, cgroup, state dir
// or fd (findLeaks).
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const fc = require('fast-check');
const { trials, figure, LONG } = require('./lib/figures');
const { useRuntime, defaultConfig } = require('../helpers/runtime');
const { countLeaks, findLeaks, hostDevices } = require('./lib/leaks');
const { toJsonText, mutatedDocument, generatedConfig, richConfig } = require('./lib/fuzz-configs');
const { judge, tame, fcParams, check, sharedRootfs, kernelCrashLines, newStats, record } = require('./lib/fuzz-check');

// Cases run this many at a time (the CLI waits on the kernel, the machine has 2 cores).
const PARALLEL = LONG ? 8 : 4;
// Default run: a few hundred configs (1-2 minutes under load); --long: its share of the 10,000
// (with 32-fuzz-exec), 8 at a time.
const CASES = trials(400, 7000);

test('config.json: no crash, typed errors naming the field, nothing left behind', async (t) => {
  t.timeout(LONG ? 60 * 60e3 : 8 * 60e3);
  const rt = useRuntime(t);
  const rootfs = sharedRootfs(rt);
  const hostDir = rt.hostDir('host');
  fs.writeFileSync(path.join(hostDir, 'file'), 'host data\n');
  const plain = defaultConfig();
  plain.root.path = rootfs;
  plain.process.args = ['true'];
  const rich = richConfig(defaultConfig(), { rootfs, hostDir });
  const devices = hostDevices();
  const crashesBefore = kernelCrashLines().length;
  const stats = newStats();
  const bundles = Array.from({ length: PARALLEL }, (_, k) => {
    const dir = path.join(rt.base, `fuzz-bundle-${k}`);
    fs.mkdirSync(dir);
    return dir;
  });

  /** One config through create (and start + delete --force when accepted): its problems. */
  // Ids of our own rather than rt.id()'s: its teardown force-deletes every id it handed out, one
  // CLI call each (a minute for 800); it also deletes whatever `list` still shows, which is all a
  // failed case can leave. They carry the test's tag, so findLeaks finds their cgroups.
  const idBase = rt.id('fz');
  let n = 0;
  const runCase = async ({ doc, how }, k) => {
    const id = `${idBase}-${++n}`;
    const text = toJsonText(tame(doc, { id, marker: rt.marker }));
    fs.writeFileSync(path.join(bundles[k], 'config.json'), text);
    stats.cases++;
    const what = `${id} (${how.join('; ')})`;
    const created = await rt.runtime(['--debug', 'create', '--bundle', bundles[k], id]);
    const problems = record(stats, `${what} create`, judge(created));
    if (created.code !== 0) return { id, problems };
    stats.accepted++;
    const started = await rt.runtime(['--debug', 'start', id]);
    if (started.code === 0) stats.started++;
    problems.push(...record(stats, `${what} start`, judge(started, { needField: false })));
    const deleted = await rt.runtime(['--debug', 'delete', '--force', id]);
    problems.push(...record(stats, `${what} delete --force`, judge(deleted, { expect: [0] })));
    return { id, problems };
  };

  const doc = fc.oneof(
    { weight: 3, arbitrary: mutatedDocument(plain) },
    { weight: 5, arbitrary: mutatedDocument(rich) },
    { weight: 2, arbitrary: generatedConfig({ rootfs }) },
  );
  const property = fc.asyncProperty(fc.array(doc, { minLength: PARALLEL, maxLength: PARALLEL }), async (cases) => {
    const results = await Promise.all(cases.map(runCase));
    const ids = results.map((r) => r.id);
    const leaks = await findLeaks(rt, ids);
    const n = countLeaks(leaks);
    stats.leaks += n;
    const problems = results.flatMap((r) => r.problems);
    if (n) problems.push(`left behind: ${JSON.stringify(leaks)}`);
    if (problems.length) throw new Error(problems.join('\n').slice(0, 4000) + `\n(edits: ${cases.map((c) => c.how.join('; ')).join(' | ')})`.slice(0, 2000));
  });
  const started = Date.now();
  try {
    await check(property, { ...fcParams(Math.ceil(CASES / PARALLEL), 310), endOnFailure: true });
  } finally {
    const crashLines = kernelCrashLines().slice(crashesBefore);
    stats.crashes += crashLines.length;
    figure('fuzz: configs', stats.cases);
    figure('fuzz: configs accepted', stats.accepted);
    figure('fuzz: crashes', stats.crashes);
    figure('fuzz: untyped errors', stats.untyped);
    figure('fuzz: leaks found', stats.leaks);
    t.log(`${stats.cases} configs in ${((Date.now() - started) / 1000).toFixed(0)} s: ${stats.accepted} created, ${stats.started} started; ` +
      `${stats.crashes} crashes, ${stats.untyped} untyped errors, ${stats.leaks} leaks`);
    if (crashLines.length) t.log(`kernel log: ${crashLines.join('\n')}`);
  }
  t.deepEqual(hostDevices(), devices, 'host device nodes unchanged');
  t.is(stats.crashes + stats.untyped + stats.leaks, 0, stats.failures.slice(0, 5).join('\n'));
});
