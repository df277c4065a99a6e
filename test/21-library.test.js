'use strict';
// tsrunc as a library: `new Runtime({ root })` drives the lifecycle in-process, without the CLI,
// and every error it throws is a TsruncError with a code. The containers are real; what their
// processes see is read from a bind-mounted host directory.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { Runtime, TsruncError, parseBytes, parseDuration, resourcesFromFlags, readResources, filterPsTable } = require('tsrunc');
const { useRuntime, isTsrunc, waitFor } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

// The library is tsrunc's own; with RUNTIME=runc there is nothing to compare it with.
const tsruncOnly = isTsrunc ? test : test.skip;

/** A bundle whose process runs `script` with a host directory at /io; the teardown deletes it. */
function bundleWithIo(rt, script) {
  const io = rt.hostDir('io');
  const bundle = rt.makeBundle(shell(script, (c) => {
    c.hostname = 'lib-box';
    c.mounts.push({ destination: '/io', type: 'bind', source: io, options: ['bind'] });
  }));
  return { io, bundle };
}

const readIo = (io, name) => waitFor(() => {
  try {
    const text = fs.readFileSync(path.join(io, name), 'utf8');
    return text.endsWith('\n') && text.trim();
  } catch {
    return false;
  }
}, { what: `/io/${name}` });

tsruncOnly('create, start, state, kill and delete through the Runtime class', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { io, bundle } = bundleWithIo(rt, [
    'trap "echo TERM > /io/signal; exit 0" TERM',
    'echo "$$ $(hostname)" > /io/seen',
    'while :; do sleep 0.05; done',
  ].join('\n'));
  const id = rt.id('lib');

  const pid = await runtime.create(id, { bundle: bundle.dir });
  t.true(pid > 0);
  const created = runtime.state(id);
  t.like(created, { id, pid, status: 'created', bundle: fs.realpathSync(bundle.dir) });
  t.false(fs.existsSync(path.join(io, 'seen')), 'nothing of the user process runs before start');

  await runtime.start(id);
  t.is(runtime.state(id).status, 'running');
  // Inside: pid 1 of its own pid namespace, the configured hostname.
  t.is(await readIo(io, 'seen'), '1 lib-box');
  t.true(runtime.pids(id).includes(pid));
  t.regex(runtime.ps(id), new RegExp(`^\\s*\\S+\\s+${pid}\\s`, 'm'));
  t.deepEqual(runtime.list().map((s) => s.id), [id]);

  runtime.kill(id, 'TERM');
  t.is(await readIo(io, 'signal'), 'TERM');
  await waitFor(() => runtime.state(id).status === 'stopped', { what: 'the container to stop' });
  t.is(runtime.state(id).pid, 0);

  await runtime.delete(id);
  const gone = t.throws(() => runtime.state(id), { instanceOf: TsruncError });
  t.is(gone.code, 'CONTAINER_NOT_FOUND');
  t.false(fs.existsSync(path.join(rt.root, id)));
});

tsruncOnly('run resolves with the exit status of the process and deletes the container', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { io, bundle } = bundleWithIo(rt, 'echo "$$" > /io/seen; exit 7');
  const id = rt.id('librun');
  t.is(await runtime.run(id, { bundle: bundle.dir }), 7);
  t.is(fs.readFileSync(path.join(io, 'seen'), 'utf8'), '1\n');
  t.is(t.throws(() => runtime.state(id), { instanceOf: TsruncError }).code, 'CONTAINER_NOT_FOUND');
});

tsruncOnly('run of a process killed by a signal resolves with 128 + the signal number', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const { io, bundle } = bundleWithIo(rt, 'echo up > /io/up; exec sleep 60');
  const id = rt.id('libsig');
  const status = runtime.run(id, { bundle: bundle.dir });
  await readIo(io, 'up');
  runtime.kill(id, 'KILL');
  t.is(await status, 137);
});

tsruncOnly('errors from the Runtime are TsruncErrors with a code', async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  t.is(t.throws(() => runtime.state('../escape'), { instanceOf: TsruncError }).code, 'INVALID_ID');
  t.is(t.throws(() => runtime.kill('missing', 'TERM'), { instanceOf: TsruncError }).code, 'CONTAINER_NOT_FOUND');
  const bad = await t.throwsAsync(runtime.create(rt.id('lib'), { bundle: rt.hostDir('empty') }), { instanceOf: TsruncError });
  t.is(bad.code, 'BUNDLE_INVALID');
  // Even a mistake nobody named (no bundle at all) arrives as a TsruncError, the original as its cause.
  const unnamed = await t.throwsAsync(runtime.create(rt.id('lib'), {}), { instanceOf: TsruncError });
  t.is(unnamed.code, 'SYSTEM');
  t.true(unnamed.cause instanceof TypeError);
  t.false(fs.existsSync(rt.root), 'nothing was created');
});

tsruncOnly('a state file that cannot be read is a SYSTEM error naming the file', (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const dir = path.join(rt.root, 'broken');
  fs.mkdirSync(dir, { recursive: true });
  // Unreadable (a directory: EISDIR) is a SYSTEM error; readable but not a state is STATE_CORRUPT (24-state-store).
  fs.mkdirSync(path.join(dir, 'state.json'));
  const e = t.throws(() => runtime.state('broken'), { instanceOf: TsruncError });
  t.is(e.code, 'SYSTEM');
  t.true(e.message.includes(path.join(dir, 'state.json')), e.message);
  fs.rmSync(dir, { recursive: true });
});

tsruncOnly('a root that cannot be created is a SYSTEM error naming it, and nothing is left behind', async (t) => {
  const rt = useRuntime(t);
  const file = path.join(rt.hostDir('root'), 'not-a-dir');
  fs.writeFileSync(file, '');
  const root = path.join(file, 'state');
  const bundle = rt.makeBundle(shell('true'));
  const e = await t.throwsAsync(new Runtime({ root }).create('c1', { bundle: bundle.dir }), { instanceOf: TsruncError });
  t.is(e.code, 'SYSTEM');
  t.regex(e.message, new RegExp(`^cannot create state directory ${root}: ENOTDIR`));
  const left = await rt.leftovers();
  t.deepEqual(left.processes, []);
  t.deepEqual(left.mounts, []);
});

test('spec() is the default config; with a bundle it writes config.json there, never over one', (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const spec = runtime.spec({ binds: ['/srv:/data:ro'] });
  t.is(spec.hostname, 'tsrunc');
  t.deepEqual(spec.mounts.at(-1), { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rprivate', 'ro'] });
  const dir = rt.hostDir('bundle');
  runtime.spec({ bundle: dir });
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')), runtime.spec());
  t.is(t.throws(() => runtime.spec({ bundle: dir }), { instanceOf: TsruncError }).code, 'INVALID_ARGUMENT');
  // rootless: runc's ToRootless of the default (a user namespace mapping this process's ids).
  const rootless = runtime.spec({ rootless: true });
  t.deepEqual(rootless.linux.uidMappings, [{ containerID: 0, hostID: process.geteuid(), size: 1 }]);
  t.false(rootless.linux.namespaces.some((n) => n.type === 'network'));
});

test('features() and version() describe this build', (t) => {
  const runtime = new Runtime();
  const features = runtime.features();
  t.true(features.linux.namespaces.includes('pid'));
  t.true(features.mountOptions.includes('rbind'));
  const version = runtime.version();
  t.regex(version.version, /^\d+\.\d+\.\d+/);
  t.truthy(version.commit);
  t.regex(version.spec, /^1\./);
});

test("byte sizes and durations are read as runc reads them", (t) => {
  t.is(parseBytes('512m', '--memory'), 512n << 20n);
  t.is(parseBytes('1G', '--memory'), 1n << 30n);
  t.is(parseBytes('2kb', '--memory'), 2048n);
  t.is(parseBytes('1048576', '--memory'), 1048576n);
  t.is(parseBytes('-1', '--memory-swap'), -1n);
  const e = t.throws(() => parseBytes('lots', '--memory'), { instanceOf: TsruncError });
  t.is(e.code, 'INVALID_ARGUMENT');
  t.is(e.message, '--memory: "lots" is not a size (e.g. 512m, 1g, 1048576)');

  t.is(parseDuration('500ms', '--interval'), 500);
  t.is(parseDuration('5s', '--interval'), 5000);
  t.is(parseDuration('1.5m', '--interval'), 90_000);
  t.is(t.throws(() => parseDuration('5', '--interval'), { instanceOf: TsruncError }).message,
    '--interval: "5" is not a duration (e.g. 500ms, 5s)');
});

test('update flags become a resources patch laid over --resources', (t) => {
  const base = { memory: { limit: 1n << 40n, swap: 5 }, pids: { limit: 3 } };
  const patch = resourcesFromFlags({ memory: '256m', 'cpu-quota': '50000', 'cpuset-cpus': '0-1', 'blkio-weight': '300' }, base);
  t.deepEqual(patch, {
    memory: { limit: 256n << 20n, swap: 5 },
    pids: { limit: 3 },
    cpu: { quota: 50000n, cpus: '0-1' },
    blockIO: { weight: 300 },
  });
  t.is(base.memory.limit, 1n << 40n, 'the base is not changed');
  t.is(t.throws(() => resourcesFromFlags({ 'pids-limit': '1.5' }), { instanceOf: TsruncError }).message,
    '--pids-limit: "1.5" is not an integer');

  const rt = useRuntime(t);
  const file = path.join(rt.hostDir('resources'), 'r.json');
  fs.writeFileSync(file, '{"memory": {"limit": 9223372036854775807}}');
  t.deepEqual(readResources(file), { memory: { limit: 9223372036854775807n } });
  const missing = t.throws(() => readResources(file + '.gone'), { instanceOf: TsruncError });
  t.is(missing.code, 'INVALID_ARGUMENT');
  t.is(missing.message, `--resources: cannot read ${file}.gone: ENOENT: no such file or directory`);
  fs.writeFileSync(file, '{ memory');
  t.regex(t.throws(() => readResources(file), { instanceOf: TsruncError }).message, /^--resources: invalid JSON: /);
});

test('ps output is cut down to the given pids, header kept, whatever the PID column', (t) => {
  const table = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 10:00 ?        00:00:01 /sbin/init',
    'root         420       1  0 10:00 ?        00:00:00 sleep 60',
    'root        4200       1  0 10:00 ?        00:00:00 sleep 42',
  ].join('\n');
  t.is(filterPsTable(table, [420]), [table.split('\n')[0], table.split('\n')[2]].join('\n'));
  t.is(filterPsTable('  PID TTY      STAT   TIME COMMAND\n 4200 ?        S      0:00 sleep\n', [4200]),
    '  PID TTY      STAT   TIME COMMAND\n 4200 ?        S      0:00 sleep');
  t.is(t.throws(() => filterPsTable('USER COMMAND\nroot x', [1]), { instanceOf: TsruncError }).code, 'SYSTEM');
});
