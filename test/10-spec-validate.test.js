'use strict';
// Schema validation (src/spec/validate.ts) with the generated ajv standalone validators.

const test = require('ava');
const path = require('path');
const { execFileSync } = require('child_process');
const { defaultSpec } = require('tsrunc');
const { validateConfig, validateState, MAX_PROBLEMS } = require('tsrunc/internal');

const at = (problems, pointer) => problems.filter((p) => p.pointer === pointer);

test('the default spec is valid', (t) => {
  t.deepEqual(validateConfig(defaultSpec()), []);
});

test('process.args as a string is reported at /process/args', (t) => {
  const spec = defaultSpec();
  spec.process.args = 'sh -c true';
  const problems = validateConfig(spec);
  t.deepEqual(problems, [{ pointer: '/process/args', message: 'must be array, got string' }]);
});

test('a missing required property is reported at its own pointer', (t) => {
  const spec = defaultSpec();
  delete spec.process.cwd;
  delete spec.ociVersion;
  const problems = validateConfig(spec);
  t.deepEqual(at(problems, '/process/cwd'), [{ pointer: '/process/cwd', message: 'is required' }]);
  t.deepEqual(at(problems, '/ociVersion'), [{ pointer: '/ociVersion', message: 'is required' }]);
  t.is(problems.length, 2);
});

test('an enum error lists the allowed values and hides the anyOf noise', (t) => {
  const spec = defaultSpec();
  spec.linux.namespaces[1] = { type: 'net' };
  const problems = validateConfig(spec);
  t.is(problems.length, 1);
  t.is(problems[0].pointer, '/linux/namespaces/1/type');
  t.regex(problems[0].message, /^must be equal to one of the allowed values: "mount", "pid", "network", .*"cgroup".* \(got "net"\)$/);
});

test('a wrong item type inside an array item is reported with its full pointer', (t) => {
  const spec = defaultSpec();
  spec.mounts[2].options[1] = 7;
  t.deepEqual(validateConfig(spec), [{ pointer: '/mounts/2/options/1', message: 'must be string, got integer' }]);
});

test('patterns and minimums are reported', (t) => {
  const spec = defaultSpec();
  spec.process.rlimits[0].type = 'nofile';
  spec.process.rlimits[0].soft = -1;
  const problems = validateConfig(spec);
  t.deepEqual(at(problems, '/process/rlimits/0/soft'), [{ pointer: '/process/rlimits/0/soft', message: 'must be >= 0' }]);
  t.is(at(problems, '/process/rlimits/0/type').length, 1);
  t.regex(at(problems, '/process/rlimits/0/type')[0].message, /pattern/);
});

test('64-bit bounds are printed exactly, and bigint values are accepted', (t) => {
  const spec = defaultSpec();
  spec.process.rlimits[0].hard = 2n ** 63n - 1n;
  spec.process.rlimits[0].soft = 2n ** 63n - 1n;
  t.deepEqual(validateConfig(spec), []);
  spec.process.rlimits[0].hard = 2n ** 70n;
  t.deepEqual(validateConfig(spec), [
    { pointer: '/process/rlimits/0/hard', message: 'must be <= 18446744073709551615' },
  ]);
  // The caller's document is not modified by the bigint -> number conversion.
  t.is(spec.process.rlimits[0].soft, 2n ** 63n - 1n);
});

test('rootfsPropagation accepts the recursive modes runc accepts and rejects others', (t) => {
  const spec = defaultSpec();
  for (const v of ['private', 'rprivate', 'rshared', 'rslave', 'runbindable', 'shared', 'slave', 'unbindable']) {
    spec.linux.rootfsPropagation = v;
    t.deepEqual(validateConfig(spec), [], v);
  }
  spec.linux.rootfsPropagation = 'recursive';
  t.deepEqual(validateConfig(spec).map((p) => p.pointer), ['/linux/rootfsPropagation']);
});

test('the time namespace passes the schema (semantics reports it as unsupported)', (t) => {
  const spec = defaultSpec();
  spec.linux.namespaces.push({ type: 'time' });
  t.deepEqual(validateConfig(spec), []);
});

test('a document that is not an object', (t) => {
  t.deepEqual(validateConfig([]), [{ pointer: '', message: 'must be object, got array' }]);
  t.deepEqual(validateConfig(null), [{ pointer: '', message: 'must be object, got null' }]);
});

test('many errors are capped, with a note saying how many were left out', (t) => {
  const spec = defaultSpec();
  spec.process.env = Array.from({ length: 50 }, (_, i) => i);
  const problems = validateConfig(spec);
  t.is(problems.length, MAX_PROBLEMS + 1);
  t.deepEqual(problems[0], { pointer: '/process/env/0', message: 'must be string, got integer' });
  t.deepEqual(problems[MAX_PROBLEMS], { pointer: '', message: '30 more problems not shown' });
});

test('identical errors are reported once', (t) => {
  const spec = defaultSpec();
  spec.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 'x', minor: 1 }] };
  const problems = validateConfig(spec);
  const keys = problems.map((p) => `${p.pointer} ${p.message}`);
  t.deepEqual(keys, [...new Set(keys)]);
  t.true(problems.some((p) => p.pointer === '/linux/resources/blockIO/throttleReadBpsDevice/0/major'));
});

test('validateState accepts a state document and reports its problems', (t) => {
  const state = { ociVersion: '1.0.2-dev', id: 'c1', status: 'running', pid: 42, bundle: '/b', annotations: { a: 'b' } };
  t.deepEqual(validateState(state), []);
  t.deepEqual(validateState({ ...state, status: 'sleeping', id: undefined }), [
    { pointer: '/id', message: 'is required' },
    { pointer: '/status', message: 'must be equal to one of the allowed values: "creating", "created", "running", "stopped" (got "sleeping")' },
  ]);
  t.deepEqual(validateState({ ...state, pid: -1 }), [{ pointer: '/pid', message: 'must be >= 0' }]);
});

test('the generated validators load without ajv itself (startup speed)', (t) => {
  const root = path.resolve(__dirname, '..');
  const out = execFileSync(process.execPath, ['-e', `
    require('./dist/generated/config-validator');
    require('./dist/generated/state-validator');
    require('./dist/spec/validate').validateConfig({});
    console.log(JSON.stringify(Object.keys(require.cache)));
  `], { cwd: root, encoding: 'utf8' });
  const loaded = JSON.parse(out).filter((f) => f.includes(`${path.sep}node_modules${path.sep}`));
  t.deepEqual(loaded.filter((f) => !f.includes(path.join('node_modules', 'ajv', 'dist', 'runtime'))), []);
});
