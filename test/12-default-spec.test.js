'use strict';
// The default config (src/spec/default-spec.ts) and `-v` style bind parsing.

const test = require('ava');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { defaultSpec, parseBind, DEFAULT_OCI_VERSION, loadBundle, TsruncError } = require('tsrunc');
const { validateConfig } = require('tsrunc/internal');
const { tempDir } = require('./helpers/runtime');

function hasRunc() {
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the default spec validates against the schema', (t) => {
  t.deepEqual(validateConfig(defaultSpec()), []);
  t.deepEqual(validateConfig(defaultSpec({ binds: ['/tmp:/data:ro'] })), []);
});

test('the default spec is interactive (terminal, sh), hostname tsrunc, and the runc defaults', (t) => {
  const spec = defaultSpec();
  t.is(spec.ociVersion, DEFAULT_OCI_VERSION);
  t.is(spec.process.terminal, true);
  t.is(spec.hostname, 'tsrunc');
  t.deepEqual(spec.process.args, ['sh']);
  t.is(spec.process.cwd, '/');
  t.deepEqual(spec.root, { path: 'rootfs', readonly: true });
  t.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  t.true(spec.process.noNewPrivileges);
  t.deepEqual(spec.linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  t.deepEqual(spec.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
});

(hasRunc() ? test : test.skip)('it is the document `runc spec` writes, but for the hostname and the unraisable ambient set', (t) => {
  const dir = tempDir(t, 'tsrunc-spec-test-');
  execFileSync('runc', ['spec'], { cwd: dir });
  const runc = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const ours = defaultSpec();
  t.is(ours.hostname, 'tsrunc');
  // runc's ambient capabilities are not inheritable, so no kernel raises them (runc skips them
  // silently); tsrunc leaves them out instead of warning about its own default on every run.
  t.is(runc.process.capabilities.inheritable, undefined);
  t.false('ambient' in ours.process.capabilities);
  t.false('inheritable' in ours.process.capabilities);
  ours.hostname = runc.hostname;
  // The spec version is the one implemented: 1.3.0, as runc 1.5 writes (runc 1.1 wrote 1.0.2-dev).
  t.is(ours.ociVersion, '1.3.0');
  ours.ociVersion = runc.ociVersion;
  ours.process.capabilities.ambient = runc.process.capabilities.ambient;
  // Same content and the same key order, so `tsrunc spec` output diffs cleanly against runc's.
  t.is(JSON.stringify(ours, null, '\t'), JSON.stringify(runc, null, '\t'));
});

test('each call returns a fresh document', (t) => {
  const a = defaultSpec();
  a.process.capabilities.bounding.push('CAP_SYS_ADMIN');
  a.mounts.pop();
  const b = defaultSpec();
  t.is(b.process.capabilities.bounding.length, 3);
  t.is(b.process.capabilities.effective.length, 3);
  t.is(b.mounts.length, 7);
});

test('a default bundle with a rootfs loads', (t) => {
  const bundle = tempDir(t, 'tsrunc-spec-test-');
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  fs.mkdirSync(path.join(bundle, 'data'));
  const spec = defaultSpec({ binds: [`${path.join(bundle, 'data')}:/data`] });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  const loaded = loadBundle(bundle);
  t.deepEqual(loaded.config, spec);
  t.deepEqual(loaded.warnings, []);
});

test('binds are appended to the mounts', (t) => {
  const spec = defaultSpec({ binds: ['/srv/a:/a', '/srv/b:/b:ro'] });
  t.is(spec.mounts.length, 9);
  t.deepEqual(spec.mounts.slice(7), [
    { destination: '/a', type: 'bind', source: '/srv/a', options: ['rbind', 'rprivate', 'rw'] },
    { destination: '/b', type: 'bind', source: '/srv/b', options: ['rbind', 'rprivate', 'ro'] },
  ]);
});

test('parseBind: host paths become absolute, container paths are normalized', (t) => {
  t.deepEqual(parseBind('data:/data'), {
    destination: '/data', type: 'bind', source: path.resolve('data'), options: ['rbind', 'rprivate', 'rw'],
  });
  t.deepEqual(parseBind('/x/../y/:/mnt/data/:rw'), {
    destination: '/mnt/data', type: 'bind', source: '/y', options: ['rbind', 'rprivate', 'rw'],
  });
  t.is(parseBind('/a:/b:ro').options[2], 'ro');
  t.is(parseBind('./a:/b//c').destination, '/b/c');
});

test('parseBind rejects malformed binds with INVALID_ARGUMENT', (t) => {
  const cases = {
    '/a': /missing ":CONTAINER"/,
    '': /missing ":CONTAINER"/,
    ':/b': /empty host path/,
    '/a:': /empty container path/,
    '/a:b': /container path "b" must be absolute/,
    '/a:/': /cannot be "\/"/,
    '/a:/b:rx': /mode must be "ro" or "rw", got "rx"/,
    '/a:/b:': /mode must be "ro" or "rw", got ""/,
    '/a:/b:ro:z': /too many ":"/,
  };
  for (const [input, why] of Object.entries(cases)) {
    const err = t.throws(() => parseBind(input), { instanceOf: TsruncError }, input);
    t.is(err.code, 'INVALID_ARGUMENT', input);
    t.regex(err.message, why, input);
    t.true(err.message.includes(JSON.stringify(input)), input);
  }
  t.is(t.throws(() => defaultSpec({ binds: ['nonsense'] })).code, 'INVALID_ARGUMENT');
});
