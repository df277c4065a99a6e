'use strict';
// The in-process API beyond the CLI's verbs: a config given as an object (no config.json on disk),
// Runtime.spawn() with the process's stdio as streams and its exit status as a promise, and the
// README's example, run as it is written. Real containers; what the process sees comes back on
// its stdout.
const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');
const test = require('ava');
const { Runtime, TsruncError } = require('tsrunc');
const { useRuntime, isTsrunc, REPO } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;

async function readAll(stream) {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

/** A bundle directory holding only a rootfs (no config.json), and a config object for it. */
function specAndRootfs(rt, args) {
  const bundle = rt.makeBundle((c) => {
    c.process.args = args;
    c.hostname = 'from-object';
  });
  fs.rmSync(bundle.configPath);
  return { spec: bundle.config, rootfs: bundle.rootfs, dir: bundle.dir };
}

tsruncOnly('spawn({ spec, rootfs }): a config object, stdio as streams, the exit status as a promise', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { spec, rootfs, dir } = specAndRootfs(rt, ['sh', '-c', 'read word; echo "got $word on $(hostname)"; echo oops >&2; exit 7']);
  const before = JSON.stringify(spec);
  const id = rt.id('spawn');

  const proc = await runtime.spawn(id, { spec, rootfs, stdio: ['pipe', 'pipe', 'pipe'] });
  t.true(proc.pid > 0);
  t.is(runtime.state(id).bundle, fs.realpathSync(dir), 'the bundle reported is the rootfs parent');
  proc.stdin.end('hello\n');
  const [out, err, status] = await Promise.all([readAll(proc.stdout), readAll(proc.stderr), proc.exited]);
  t.is(out, 'got hello on from-object\n');
  t.is(err, 'oops\n');
  t.is(status, 7);
  t.false(fs.existsSync(path.join(dir, 'config.json')), 'no config.json was written');
  t.is(JSON.stringify(spec), before, "the caller's object is not modified");
  t.throws(() => runtime.state(id), { instanceOf: TsruncError, message: /does not exist/ }, 'deleted after exit');
});

tsruncOnly('create({ spec }) then start: the lifecycle verbs work on a container made from an object', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const io = rt.hostDir('io');
  const { spec, rootfs } = specAndRootfs(rt, ['sh', '-c', 'hostname > /io/seen']);
  spec.mounts.push({ destination: '/io', type: 'bind', source: io, options: ['bind'] });
  const id = rt.id('obj');
  await runtime.create(id, { spec, rootfs });
  t.is(runtime.state(id).status, 'created');
  await runtime.start(id);
  const deadline = Date.now() + 10000;
  while (runtime.state(id).status !== 'stopped' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is(fs.readFileSync(path.join(io, 'seen'), 'utf8'), 'from-object\n');
  await runtime.delete(id);
});

tsruncOnly('an invalid config object is refused with the field, and leaves nothing behind', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { spec, rootfs } = specAndRootfs(rt, ['true']);
  spec.process.user.uid = -1;
  const id = rt.id('bad');
  const e = await t.throwsAsync(runtime.spawn(id, { spec, rootfs }), { instanceOf: TsruncError });
  t.is(e.code, 'CONFIG_INVALID');
  t.regex(e.message, /\/process\/user\/uid/);
  t.false(fs.existsSync(path.join(rt.root, id)), 'no state directory');
});

tsruncOnly('a stdio slot that is not an fd, "pipe" or "ignore" is refused by name, and leaves nothing behind', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { spec, rootfs } = specAndRootfs(rt, ['true']);
  const id = rt.id('stdio');
  const e = await t.throwsAsync(runtime.run(id, { spec, rootfs, stdio: ['ignore', 'inherit', 2] }), { instanceOf: TsruncError });
  t.is(e.code, 'INVALID_ARGUMENT');
  t.regex(e.message, /stdio\[1\]: "inherit" is not an fd of this process/);
  t.false(fs.existsSync(path.join(rt.root, id)), 'no state directory');
});

tsruncOnly("the README's in-process example runs as written", async (t) => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const code = /<!-- example: in-process API -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  t.truthy(code, 'README has the example');
  // Inside the package, so that require('tsrunc') resolves to this tree (package self-reference).
  const file = path.join(REPO, `.readme-example-${process.pid}.js`);
  fs.writeFileSync(file, code);
  t.teardown(() => fs.rmSync(file, { force: true }));
  const { stdout } = await new Promise((resolve, reject) =>
    execFile(process.execPath, [file], { cwd: REPO }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve({ stdout: out }))));
  t.regex(stdout, /^hello world from \S+\nexit status 3\n$/);
});
