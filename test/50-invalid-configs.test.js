'use strict';
// Invalid configs: `create` fails, says why, and leaves nothing behind.
//
// `tsrunc`: what tsrunc's stderr must contain, "<JSON pointer>: <reason>" (a string is a
// substring, a RegExp must match; no quotes in them: a log line may escape them). Other runtimes only have to fail; `tsruncOnly` marks
// configs that runc accepts (they are skipped for other runtimes).
// The default config has 6 mounts and 5 namespaces, so appended ones are /mounts/6 and
// /linux/namespaces/5.
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');

const CASES = [
  { what: 'process.args is a string', patch: (c) => { c.process.args = 'sh'; },
    tsrunc: '/process/args: must be array' },
  { what: 'process.args is empty', patch: (c) => { c.process.args = []; },
    tsrunc: '/process/args: must not be empty' },
  { what: 'process.cwd is missing', patch: (c) => { delete c.process.cwd; },
    tsrunc: '/process/cwd: is required' },
  { what: 'process.cwd is relative', patch: (c) => { c.process.cwd = 'tmp'; },
    tsrunc: '/process/cwd: must be an absolute path' },
  { what: 'process.user.uid is negative', patch: (c) => { c.process.user.uid = -1; },
    tsrunc: '/process/user/uid: must be >= 0' },
  { what: 'process.user.uid is a string', patch: (c) => { c.process.user.uid = '0'; },
    tsrunc: '/process/user/uid: must be integer' },
  { what: 'process.terminal without --console-socket', patch: (c) => { c.process.terminal = true; },
    tsrunc: /\/process\/terminal: .*--console-socket/ },
  { what: 'root.path does not exist', patch: (c) => { c.root.path = 'no-such-rootfs'; },
    tsrunc: /\/root\/path: .*does not exist/ },
  { what: 'ociVersion 2.0.0', patch: (c) => { c.ociVersion = '2.0.0'; }, tsruncOnly: true,
    tsrunc: /\/ociVersion: .*2\.0\.0.*not supported/ },
  { what: 'a bind mount source does not exist', tsrunc: /\/mounts\/6\/source: .*does not exist/,
    patch: (c) => { c.mounts.push({ destination: '/data', type: 'bind', source: '/tsrunc-test-no-such-dir', options: ['bind'] }); } },
  { what: 'a host dir is bound inside /proc (runc refuses it too)', patch: (c) => { c.mounts.push({ destination: '/proc/sys', type: 'bind', source: '/tmp', options: ['bind'] }); },
    tsrunc: '/mounts/6/destination: /proc/sys is inside /proc' },
  { what: 'a host dir is bound over /proc (runc refuses it too)', patch: (c) => { c.mounts.push({ destination: '/proc', type: 'bind', source: '/tmp', options: ['rbind'] }); },
    tsrunc: '/mounts/6/destination: only a proc filesystem may be mounted on /proc' },
  { what: 'a mount has no destination', patch: (c) => { c.mounts.push({ type: 'tmpfs', source: 'tmpfs' }); },
    tsrunc: '/mounts/6/destination: is required' },
  { what: 'a namespace type is listed twice', patch: (c) => { c.linux.namespaces.push({ type: 'pid' }); },
    tsrunc: '/linux/namespaces/5/type: duplicate namespace' },
  { what: 'a namespace type is unknown', patch: (c) => { c.linux.namespaces.push({ type: 'foo' }); },
    tsrunc: '/linux/namespaces/5/type: must be equal to one of the allowed values' },
  { what: 'hostname is set without a uts namespace', tsrunc: /\/hostname: .*uts namespace/i,
    patch: (c) => { c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'uts'); } },
  { what: 'linux.rootfsPropagation is invalid', patch: (c) => { c.linux.rootfsPropagation = 'sideways'; },
    tsrunc: '/linux/rootfsPropagation: must be equal to one of the allowed values' },
  { what: 'a new user namespace has no uidMappings',
    tsrunc: '/linux/uidMappings: a new user namespace needs uidMappings',
    patch: (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    } },
  { what: 'config.json is not valid JSON', bundle: (b) => fs.writeFileSync(b.configPath, '{"ociVersion": '),
    tsrunc: /config\.json:.*\bJSON\b/ },
  { what: 'config.json nests 100,000 levels deep (a stack overflow, RangeError, before)', tsrunc: /config\.json: \/: invalid JSON at line 1, column \d+: Nesting deeper than 256 levels/,
    bundle: (b) => fs.writeFileSync(b.configPath, `{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`) },
  { what: 'config.json is missing', bundle: (b) => fs.unlinkSync(b.configPath),
    tsrunc: /config\.json:.*(does not exist|no such file)/i },
];

for (const { what, patch, bundle: mangle, tsrunc, tsruncOnly } of CASES) {
  const define = tsruncOnly && !isTsrunc ? test.skip : test;
  define(`create rejects a config where ${what}`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle(patch);
    if (mangle) mangle(bundle);
    const id = rt.id('bad');

    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0, 'create must fail');
    t.regex(r.stderr, /\S/, 'stderr explains why');
    if (isTsrunc) {
      if (typeof tsrunc === 'string') t.true(r.stderr.includes(tsrunc), `stderr contains ${JSON.stringify(tsrunc)}:\n${r.stderr}`);
      else t.regex(r.stderr, tsrunc);
    }
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
    t.not((await rt.state(id)).code, 0, 'no container was registered');
  });
}
