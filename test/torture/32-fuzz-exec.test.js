'use strict';
// Fuzzing exec's process.json through the real CLI: mutated copies of a running container's own
// process (with rlimits, capabilities, user, umask...) and process objects generated from scratch go
// to `tsrunc exec --detach --process FILE ID`. Each exec ends with exit 0 (it ran) or 255 (runc's
// "exec failed: ..." form, naming the field), never a signal, an abort or an untyped error; the
// container keeps running through all of it, tsrunc-init never crashes, and once the container is
// force-deleted nothing is left behind.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const fc = require('fast-check');
const { trials, figure, LONG } = require('./lib/figures');
const { useRuntime, defaultConfig } = require('../helpers/runtime');
const { countLeaks, findLeaks, hostDevices, NO_LEAKS } = require('./lib/leaks');
const { toJsonText, mutatedDocument, generatedProcess, richConfig, richProcess } = require('./lib/fuzz-configs');
const { judge, tameProcess, fcParams, check, sharedRootfs, kernelCrashLines, newStats, record } = require('./lib/fuzz-check');

const PARALLEL = LONG ? 8 : 4;
// Default run: a few hundred execs; --long: its share of the 10,000 (with 31-fuzz-create).
const CASES = trials(200, 3000);

test('process.json for exec: no crash, typed errors naming the field, the container unharmed, nothing left behind', async (t) => {
  t.timeout(LONG ? 60 * 60e3 : 8 * 60e3);
  const rt = useRuntime(t);
  const rootfs = sharedRootfs(rt);
  const hostDir = rt.hostDir('host');
  const config = richConfig(defaultConfig(), { rootfs, hostDir, args: ['sleep', '100000'] });
  const devices = hostDevices();
  const crashesBefore = kernelCrashLines().length;
  // The container itself through makeBundle (JSON.stringify): no raw 2^64-1 in it.
  const { id, pid } = await rt.startContainer(() => ({ ...config, process: { ...config.process, rlimits: [] } }));
  const stats = newStats();
  const files = Array.from({ length: PARALLEL }, (_, k) => path.join(rt.base, `process-${k}.json`));

  const runCase = async ({ doc, how }, k) => {
    fs.writeFileSync(files[k], toJsonText(tameProcess(doc, { marker: rt.marker })));
    stats.cases++;
    const r = await rt.runtime(['--debug', 'exec', '--detach', '--process', files[k], id]);
    if (r.code === 0) stats.accepted++;
    const problems = judge(r, { expect: [0, 255] });
    // runc's form: every failure of exec is "exec failed: ...".
    if (r.code === 255 && !/msg="exec failed: /.test(r.stderr)) problems.push(`not runc's "exec failed:" form: ${r.stderr.slice(0, 300)}`);
    return record(stats, `exec (${how.join('; ')})`, problems);
  };

  const doc = fc.oneof(
    { weight: 7, arbitrary: mutatedDocument(richProcess(config)) },
    { weight: 3, arbitrary: generatedProcess },
  );
  const property = fc.asyncProperty(fc.array(doc, { minLength: PARALLEL, maxLength: PARALLEL }), async (cases) => {
    const problems = (await Promise.all(cases.map(runCase))).flat();
    const state = await rt.state(id);
    if (state.state?.status !== 'running' || state.state?.pid !== pid) problems.push(`the container is no longer running: ${state.stdout}${state.stderr}`);
    if (problems.length) throw new Error(problems.join('\n').slice(0, 4000) + `\n(edits: ${cases.map((c) => c.how.join('; ')).join(' | ')})`.slice(0, 2000));
  });
  const started = Date.now();
  let leaks = NO_LEAKS;
  try {
    await check(property, fcParams(Math.ceil(CASES / PARALLEL), 320));
  } finally {
    const r = await rt.runtime(['delete', '--force', id]);
    t.is(r.code, 0, r.stderr);
    leaks = await findLeaks(rt, [id]);
    stats.leaks += countLeaks(leaks);
    const crashLines = kernelCrashLines().slice(crashesBefore);
    stats.crashes += crashLines.length;
    figure('fuzz: processes (exec)', stats.cases);
    figure('fuzz: processes accepted (exec)', stats.accepted);
    figure('fuzz: crashes', stats.crashes);
    figure('fuzz: untyped errors', stats.untyped);
    figure('fuzz: leaks found', stats.leaks);
    t.log(`${stats.cases} process.json documents in ${((Date.now() - started) / 1000).toFixed(0)} s: ${stats.accepted} exec'd; ` +
      `${stats.crashes} crashes, ${stats.untyped} untyped errors, ${stats.leaks} leaks`);
    if (crashLines.length) t.log(`kernel log: ${crashLines.join('\n')}`);
  }
  t.deepEqual(leaks, NO_LEAKS);
  t.deepEqual(hostDevices(), devices, 'host device nodes unchanged');
  t.is(stats.crashes + stats.untyped + stats.leaks, 0, stats.failures.slice(0, 5).join('\n'));
});
