'use strict';
// Fuzzing, in process and cheap: tens of thousands of mutated and generated config.json and
// process.json documents through what `create` and `exec` run before anything exists on the host
// (read + parse, schema, semantic rules, plan compile, cgroup plan; for exec: the process file, its
// checks and the exec plan). Every document is either accepted with a plan that serialises, or
// rejected with a TsruncError that carries the JSON pointer of the field; any other exception (a
// TypeError, a stack overflow) is an untyped error, a bug. The CLI files (31-, 32-) then take a
// smaller share of such documents through the real binary, the addon and tsrunc-init.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const fc = require('fast-check');
const { TsruncError } = require('tsrunc');
const { prepareCreate, execProcess, compileExec } = require('tsrunc/internal');
const { trials, figure } = require('./lib/figures');
const { tempDir, defaultConfig, REPO } = require('../helpers/runtime');
const { toJsonText, mutatedDocument, generatedConfig, generatedProcess, richConfig, richProcess } = require('./lib/fuzz-configs');
const { tame, tameProcess, fcParams, check } = require('./lib/fuzz-check');

const silent = { debug() {}, warn() {}, error() {} };
const ROOTFS = path.join(REPO, 'bundles/default/rootfs');

/** Why an exception is not a typed rejection naming a field; undefined when it is one. */
function untyped(e) {
  if (!(e instanceof TsruncError)) return `${e?.name ?? typeof e}: ${e?.message ?? e}\n${e?.stack ?? ''}`;
  if (e.pointer === undefined) return `TsruncError ${e.code} without a pointer: ${e.message}`;
  return undefined;
}

function setup(t) {
  const dir = tempDir(t, 'tsrunc-fuzz-');
  const hostDir = path.join(dir, 'host');
  fs.mkdirSync(hostDir);
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(bundle);
  // The rootfs is only resolved (realpath), never written: the default bundle's will do.
  const bases = [defaultConfig(), richConfig(defaultConfig(), { rootfs: ROOTFS, hostDir })];
  bases[0].root.path = ROOTFS;
  return { dir, hostDir, bundle, bases };
}

test('config.json: every mutated or generated config is accepted or rejected with a typed error naming the field', async (t) => {
  const { bundle, bases } = setup(t);
  const stats = { configs: 0, accepted: 0, untyped: 0 };
  const doc = fc.oneof(
    { weight: 3, arbitrary: mutatedDocument(bases[0]) },
    { weight: 5, arbitrary: mutatedDocument(bases[1]) },
    { weight: 2, arbitrary: generatedConfig({ rootfs: ROOTFS }) },
  );
  const property = fc.property(doc, ({ doc: d, how }) => {
    stats.configs++;
    const text = toJsonText(tame(d, { id: 'fuzz', marker: 'TSRUNC_FUZZ=1' }));
    fs.writeFileSync(path.join(bundle, 'config.json'), text);
    try {
      const { plan } = prepareCreate('fuzz', { bundle }, silent);
      JSON.stringify(plan); // what launch sends tsrunc-init
      stats.accepted++;
    } catch (e) {
      const why = untyped(e);
      if (why) {
        stats.untyped++;
        throw new Error(`${how.join('; ')}: ${why}`);
      }
    }
  });
  try {
    await check(property, fcParams(trials(3000, 10000), 30));
  } finally {
    figure('fuzz: configs (in process)', stats.configs);
    figure('fuzz: untyped errors', stats.untyped);
    t.log(`${stats.configs} configs, ${stats.accepted} accepted`);
  }
  t.pass();
});

test('process.json: every mutated or generated exec process is accepted or rejected with a typed error naming the field', async (t) => {
  const { dir, bases } = setup(t);
  const file = path.join(dir, 'process.json');
  const config = JSON.parse(toJsonText(bases[1]));
  config.process.args = ['sleep', '1000'];
  const stats = { processes: 0, accepted: 0, untyped: 0 };
  const target = { id: 'fuzz', pid: process.pid, pidStartTime: '1', cgroups: [] };
  const doc = fc.oneof(
    { weight: 7, arbitrary: mutatedDocument(richProcess(bases[1])) },
    { weight: 3, arbitrary: generatedProcess },
  );
  const property = fc.property(doc, ({ doc: d, how }) => {
    stats.processes++;
    fs.writeFileSync(file, toJsonText(tameProcess(d, { marker: 'TSRUNC_FUZZ=1' })));
    try {
      const p = execProcess(config, { processFile: file });
      JSON.stringify(compileExec(config, p, target));
      stats.accepted++;
    } catch (e) {
      // exec's own words (runc's) for an empty cwd or args carry no pointer, but name the field.
      const why = e instanceof TsruncError && /\b(Cwd|args)\b/.test(e.message) ? undefined : untyped(e);
      if (why) {
        stats.untyped++;
        throw new Error(`${how.join('; ')}: ${why}`);
      }
    }
  });
  try {
    await check(property, fcParams(trials(3000, 10000), 31));
  } finally {
    figure('fuzz: processes (in process)', stats.processes);
    figure('fuzz: untyped errors', stats.untyped);
    t.log(`${stats.processes} process.json documents, ${stats.accepted} accepted`);
  }
  t.pass();
});
