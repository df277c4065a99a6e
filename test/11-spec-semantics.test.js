'use strict';
// Semantic rules (src/spec/semantics.ts) and bundle loading (src/spec/load.ts).

const test = require('ava');
const fs = require('fs');
const path = require('path');
const { loadBundle, exactInteger, defaultSpec, ConfigError, TsruncError } = require('tsrunc');
const { checkSemantics, isBindMount, parseConfigJson } = require('tsrunc/internal');
const { tempDir } = require('./helpers/runtime');

/** A temp bundle dir with an empty rootfs/, removed after the test. */
function makeBundle(t, { rootfs = true } = {}) {
  const dir = tempDir(t, 'tsrunc-spec-test-');
  if (rootfs) fs.mkdirSync(path.join(dir, 'rootfs'));
  return dir;
}

function writeConfig(bundle, config) {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  fs.writeFileSync(path.join(bundle, 'config.json'), text);
}

/** checkSemantics on defaultSpec() changed by `edit`, in a fresh bundle. */
function semantics(t, edit) {
  const bundle = makeBundle(t);
  const spec = defaultSpec();
  edit?.(spec, bundle);
  return checkSemantics(spec, bundle);
}

const pointers = (list) => list.map((p) => p.pointer);

test('the default spec has no semantic problems', (t) => {
  t.deepEqual(semantics(t), { problems: [], unsupported: [], warnings: [] });
});

// --- ociVersion

test('ociVersion: every 1.x.y up to 1.3.0 is accepted, other majors are not', (t) => {
  for (const ok of ['1.0.0', '1.0.1', '1.0.2', '1.0.2-dev', '1.1.0-rc.1', '1.1.0', '1.2.0', '1.2.1', '1.3.0']) {
    t.deepEqual(semantics(t, (s) => { s.ociVersion = ok; }).problems, [], ok);
  }
  const major2 = semantics(t, (s) => { s.ociVersion = '2.0.0'; }).problems;
  t.deepEqual(pointers(major2), ['/ociVersion']);
  t.regex(major2[0].message, /2\.0\.0 is not supported/);
  t.deepEqual(pointers(semantics(t, (s) => { s.ociVersion = 'latest'; }).problems), ['/ociVersion']);
  t.deepEqual(pointers(semantics(t, (s) => { s.ociVersion = '1.0'; }).problems), ['/ociVersion']);
});

// --- process

test('process is required', (t) => {
  const r = semantics(t, (s) => { delete s.process; });
  t.deepEqual(pointers(r.problems), ['/process']);
});

test('process.args must be present and non-empty', (t) => {
  t.deepEqual(pointers(semantics(t, (s) => { s.process.args = []; }).problems), ['/process/args']);
  t.deepEqual(pointers(semantics(t, (s) => { delete s.process.args; }).problems), ['/process/args']);
});

test('process.cwd must be absolute', (t) => {
  const r = semantics(t, (s) => { s.process.cwd = 'home'; });
  t.deepEqual(r.problems, [{ pointer: '/process/cwd', message: 'must be an absolute path, got "home"' }]);
});

test('process.terminal: true is a valid config (whether a console socket is given is up to create)', (t) => {
  const r = semantics(t, (s) => { s.process.terminal = true; s.process.consoleSize = { height: 30, width: 100 }; });
  t.deepEqual(r.problems, []);
  t.deepEqual(r.unsupported, []);
});

test('linux.intelRdt is refused on a host without resctrl (never silently ignored)', (t) => {
  const r = semantics(t, (s) => { s.linux.intelRdt = { closID: 'guaranteed_group' }; });
  t.deepEqual(r.problems, []);
  t.is(r.unsupported.length, 1);
  t.is(r.unsupported[0].pointer, '/linux/intelRdt');
  t.regex(r.unsupported[0].message, /^linux\.intelRdt is not supported: .*\/sys\/fs\/resctrl/);
});

// --- root

test('root.path must exist and be a directory, relative to the bundle or absolute', (t) => {
  t.deepEqual(pointers(semantics(t, (s) => { s.root.path = 'missing'; }).problems), ['/root/path']);
  const file = semantics(t, (s, b) => { fs.writeFileSync(path.join(b, 'f'), ''); s.root.path = 'f'; }).problems;
  t.deepEqual(pointers(file), ['/root/path']);
  t.regex(file[0].message, /is not a directory/);
  t.deepEqual(semantics(t, (s, b) => { s.root.path = path.join(b, 'rootfs'); }).problems, []);
  t.deepEqual(pointers(semantics(t, (s) => { delete s.root; }).problems), ['/root']);
});

test('a rootfs reached through a symlink is fine', (t) => {
  const r = semantics(t, (s, b) => { fs.symlinkSync('rootfs', path.join(b, 'link')); s.root.path = 'link'; });
  t.deepEqual(r.problems, []);
});

// --- namespaces

test('duplicate namespace types are an error', (t) => {
  const r = semantics(t, (s) => { s.linux.namespaces.push({ type: 'pid' }); });
  t.deepEqual(r.problems, [{
    pointer: '/linux/namespaces/5/type',
    message: 'duplicate namespace "pid" (also at /linux/namespaces/0)',
  }]);
});

test('a namespace path must be absolute and exist', (t) => {
  const missing = semantics(t, (s) => { s.linux.namespaces[1] = { type: 'network', path: '/proc/self/ns/nope' }; });
  t.deepEqual(pointers(missing.problems), ['/linux/namespaces/1/path']);
  const relative = semantics(t, (s) => { s.linux.namespaces[1] = { type: 'network', path: 'proc/1/ns/net' }; });
  t.deepEqual(pointers(relative.problems), ['/linux/namespaces/1/path']);
  const ok = semantics(t, (s) => { s.linux.namespaces[1] = { type: 'network', path: '/proc/self/ns/net' }; });
  t.deepEqual(ok.problems, []);
});

test('user and time namespaces are supported; a new user namespace needs both maps, maps without one are ignored (as runc)', (t) => {
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const r = semantics(t, (s) => { s.linux.namespaces.push({ type: 'time' }, { type: 'user' }); s.linux.uidMappings = map; s.linux.gidMappings = map; });
  t.deepEqual([r.problems, r.unsupported], [[], []]);
  const noGid = semantics(t, (s) => { s.linux.namespaces.push({ type: 'user' }); s.linux.uidMappings = map; });
  t.deepEqual(noGid.problems, [{ pointer: '/linux/gidMappings', message: 'a new user namespace needs gidMappings (at least one mapping)' }]);
  const noNs = semantics(t, (s) => { s.linux.uidMappings = map; });
  t.deepEqual([noNs.problems, noNs.warnings], [[], [{ pointer: '/linux/uidMappings', message: 'ignored: linux.namespaces has no user namespace' }]]);
  const joined = semantics(t, (s) => { s.linux.namespaces.push({ type: 'user', path: '/proc/self/ns/user' }); s.linux.uidMappings = map; });
  t.deepEqual([joined.problems, pointers(joined.warnings)], [[], ['/linux/uidMappings']]);
});

test('hostname and domainname need a UTS namespace, new or joined by path', (t) => {
  const noUts = (s) => { s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'uts'); };
  t.deepEqual(semantics(t, noUts).problems, [
    { pointer: '/hostname', message: 'setting hostname requires a UTS namespace (a new one, or one joined by path)' },
  ]);
  const both = semantics(t, (s) => { noUts(s); s.domainname = 'example.org'; }).problems;
  t.deepEqual(pointers(both), ['/hostname', '/domainname']);
  // A joined UTS namespace counts (the spec and runc set the name there); the plan refuses the runtime's own.
  const joined = semantics(t, (s) => {
    s.linux.namespaces.find((n) => n.type === 'uts').path = '/proc/self/ns/uts';
  }).problems;
  t.deepEqual(joined, []);
  t.deepEqual(semantics(t, (s) => { noUts(s); s.hostname = ''; }).problems, [], 'empty hostname = not set');
  t.deepEqual(semantics(t, (s) => { noUts(s); delete s.hostname; }).problems, []);
});

// --- mounts

test('a relative mount destination is a warning, not an error', (t) => {
  const r = semantics(t, (s) => { s.mounts[0].destination = 'proc'; });
  t.deepEqual(r.problems, []);
  t.deepEqual(r.warnings, [{ pointer: '/mounts/0/destination', message: 'relative destination "proc" is taken relative to "/"' }]);
});

test('destinations with ".." are not checked here', (t) => {
  t.deepEqual(semantics(t, (s) => { s.mounts[0].destination = '/../../proc'; }), { problems: [], unsupported: [], warnings: [] });
});

// Whether the source exists is checked once, by the compiler (13-plan-compile, 50-invalid-configs).
test('a bind mount needs a source', (t) => {
  const noSource = semantics(t, (s) => { s.mounts.push({ destination: '/data', type: 'bind' }); });
  t.deepEqual(noSource.problems, [{ pointer: '/mounts/7/source', message: 'is required for a bind mount' }]);
});

test('an "rbind"/"bind" option makes a bind mount whatever its type', (t) => {
  t.true(isBindMount({ type: 'none', options: ['rbind', 'ro'] }));
  t.true(isBindMount({ options: ['bind'] }));
  t.true(isBindMount({ type: 'bind' }));
  t.false(isBindMount({ type: 'tmpfs', options: ['nosuid'] }));
  const r = semantics(t, (s) => { s.mounts.push({ destination: '/x', type: 'none', options: ['rbind'] }); });
  t.deepEqual(pointers(r.problems), ['/mounts/7/source']);
  // Non-bind mounts have pseudo sources ("proc", "tmpfs") or none.
  t.deepEqual(semantics(t, (s) => { delete s.mounts[1].source; }).problems, []);
});

test('rules skip fields of the wrong type instead of throwing', (t) => {
  const spec = defaultSpec();
  spec.process.args = 'sh';
  spec.process.cwd = 5;
  spec.mounts = [null, 'x', { destination: 3, type: 'bind', source: 4 }];
  spec.linux.namespaces = 'pid';
  spec.root = { path: 1 };
  t.notThrows(() => checkSemantics(spec, makeBundle(t)));
  t.deepEqual(checkSemantics([], '/').problems, [{ pointer: '', message: 'must be a JSON object' }]);
});

// --- loadBundle

test('loadBundle returns the realpath of the bundle, the config and the warnings', (t) => {
  const bundle = makeBundle(t);
  const spec = defaultSpec();
  spec.mounts[0].destination = 'proc';
  writeConfig(bundle, spec);
  const link = bundle + '-link';
  fs.symlinkSync(bundle, link);
  t.teardown(() => fs.rmSync(link, { force: true }));
  const loaded = loadBundle(link);
  t.is(loaded.bundle, fs.realpathSync(bundle));
  t.is(loaded.configPath, path.join(fs.realpathSync(bundle), 'config.json'));
  t.deepEqual(loaded.config, spec);
  t.deepEqual(pointers(loaded.warnings), ['/mounts/0/destination']);
});

test('loadBundle keeps 2^63-1 exactly (bigint), small integers stay numbers', (t) => {
  const bundle = makeBundle(t);
  const text = JSON.stringify(defaultSpec(), null, 2).replace('"hard": 1024', '"hard": 9223372036854775807');
  t.true(text.includes('9223372036854775807'));
  writeConfig(bundle, text);
  const { config } = loadBundle(bundle);
  const rlimit = config.process.rlimits[0];
  t.is(rlimit.hard, 9223372036854775807n);
  t.is(typeof rlimit.soft, 'number');
  t.is(exactInteger(rlimit.hard), '9223372036854775807');
  t.is(exactInteger(rlimit.soft), '1024');
});

test('loadBundle: 2^64 does not fit although the schema (doubles) cannot tell', (t) => {
  const bundle = makeBundle(t);
  writeConfig(bundle, JSON.stringify(defaultSpec()).replace('"hard":1024', '"hard":18446744073709551616'));
  const err = t.throws(() => loadBundle(bundle), { instanceOf: ConfigError });
  t.deepEqual(err.problems, [{ pointer: '/process/rlimits/0/hard', message: '18446744073709551616 does not fit in 64 bits' }]);
});

test('loadBundle: 2^64 written with a fraction or an exponent does not fit either (it reached tsrunc-init as "malformed plan: stoull"; fuzz)', (t) => {
  const bundle = makeBundle(t);
  for (const text of ['18446744073709551615.0', '1.8446744073709552e19', '-9.3e18']) {
    writeConfig(bundle, JSON.stringify(defaultSpec()).replace('"hard":1024', `"hard":${text}`));
    const err = t.throws(() => loadBundle(bundle), { instanceOf: ConfigError });
    t.is(err.problems[0].pointer, '/process/rlimits/0/hard', text);
    t.regex(err.problems[0].message, /does not fit in 64 bits/, text);
  }
  writeConfig(bundle, JSON.stringify(defaultSpec()).replace('"hard":1024', '"hard":1.0e3'));
  t.is(loadBundle(bundle).config.process.rlimits[0].hard, 1000, 'a small integer may have an exponent');
});

test('loadBundle: a missing bundle or config.json is BUNDLE_INVALID', (t) => {
  const bundle = makeBundle(t);
  const noDir = t.throws(() => loadBundle(path.join(bundle, 'nope')), { instanceOf: TsruncError });
  t.is(noDir.code, 'BUNDLE_INVALID');
  t.regex(noDir.message, /bundle directory .*nope does not exist/);
  const noConfig = t.throws(() => loadBundle(bundle), { instanceOf: TsruncError });
  t.is(noConfig.code, 'BUNDLE_INVALID');
  t.regex(noConfig.message, /config\.json: does not exist/);
  fs.writeFileSync(path.join(bundle, 'file'), '');
  t.is(t.throws(() => loadBundle(path.join(bundle, 'file'))).code, 'BUNDLE_INVALID');
});

test('loadBundle: invalid JSON is a ConfigError with line and column', (t) => {
  const bundle = makeBundle(t);
  writeConfig(bundle, '{\n  "ociVersion": "1.0.2",\n  "process": {,\n}');
  const err = t.throws(() => loadBundle(bundle), { instanceOf: ConfigError });
  t.is(err.code, 'CONFIG_INVALID');
  t.is(err.problems.length, 1);
  t.regex(err.problems[0].message, /^invalid JSON at line 3, column 15: /);
});

test('parseConfigJson: duplicate keys with different values are rejected', (t) => {
  t.throws(() => parseConfigJson('{"a": 1, "a": 2}'), { instanceOf: ConfigError, message: /Duplicate key/ });
  t.deepEqual(parseConfigJson('{"a": 1.5, "b": -9007199254740993}'), { a: 1.5, b: -9007199254740993n });
});

test('loadBundle reports schema and semantic problems together, without double reports', (t) => {
  const bundle = makeBundle(t);
  const spec = defaultSpec();
  spec.process.args = 'sh';            // schema
  spec.root.path = 'nope';             // semantics
  spec.linux.namespaces.push({ type: 'pid' }); // semantics
  writeConfig(bundle, spec);
  const err = t.throws(() => loadBundle(bundle), { instanceOf: ConfigError });
  t.deepEqual(pointers(err.problems), ['/process/args', '/root/path', '/linux/namespaces/5/type']);
  t.regex(err.message, /\/process\/args: must be array, got string/);
  t.is(err.pointer, '/process/args');
});

test('loadBundle: unsupported features are NOT_SUPPORTED with a pointer; errors come first', (t) => {
  const bundle = makeBundle(t);
  const spec = defaultSpec();
  spec.linux.intelRdt = { closID: 'x' };
  writeConfig(bundle, spec);
  const err = t.throws(() => loadBundle(bundle), { instanceOf: TsruncError });
  t.is(err.code, 'NOT_SUPPORTED');
  t.is(err.pointer, '/linux/intelRdt');
  t.regex(err.message, /intelRdt is not supported/);

  spec.process.cwd = 'relative';
  writeConfig(bundle, spec);
  t.is(t.throws(() => loadBundle(bundle)).code, 'CONFIG_INVALID');
});

test('exactInteger', (t) => {
  t.is(exactInteger(undefined), undefined);
  t.is(exactInteger(0), '0');
  t.is(exactInteger(-5), '-5');
  t.is(exactInteger(18446744073709551615n), '18446744073709551615');
  t.is(exactInteger(2 ** 60), '1152921504606846976');
  t.throws(() => exactInteger(1.5), { instanceOf: RangeError });
});

// --- found by fuzzing (test/torture/30-fuzz-validate)

test('a NUL character in any string but an annotation is a problem at its pointer (a root.path with one threw a TypeError)', (t) => {
  const r = semantics(t, (s) => {
    s.root.path = 'root\u0000fs';
    s.process.args = ['sh', 'a\u0000b'];
    s.process.env.push('A=1\u0000B=2');
    s.linux.sysctl = { 'net.ipv4.ip_forward\u0000': '1' };
    s.annotations = { 'org.example.bytes': 'a\u0000b' };
  });
  t.deepEqual(pointers(r.problems).sort(), ['/linux/sysctl/net.ipv4.ip_forward\u0000', '/process/args/1', '/process/env/2', '/root/path']);
  t.true(r.problems.every((p) => /must not contain a NUL character/.test(p.message)), JSON.stringify(r.problems));
});

test('a root.path that cannot even be looked up (ENAMETOOLONG) is a problem, not an untyped error from the compiler', (t) => {
  const r = semantics(t, (s) => { s.root.path = 'A'.repeat(4097); });
  t.deepEqual(pointers(r.problems), ['/root/path']);
  t.regex(r.problems[0].message, /cannot be accessed \(ENAMETOOLONG\)/);
});
