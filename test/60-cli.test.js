'use strict';
// The runc-compatible command line: --version, spec (and running it), --log/--log-format, list --quiet.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, schemaErrors, REPO, RUNTIME, waitFor } = require('./helpers/runtime');
const { openTerminal } = require('./helpers/console');

const tsruncOnly = isTsrunc ? test : test.skip;

test('--version prints runc\'s lines: version, commit (dockerd parses it), spec, libseccomp', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.runtime(['--version']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.regex(lines[0], /^(tsrunc|runc) version \S+$/);
  t.regex(lines[1], /^commit: \S+$/);
  t.regex(r.stdout, /^spec: 1\.\S+$/m);
  t.regex(r.stdout, /^libseccomp: \d+\.\d+\.\d+$/m);
});

tsruncOnly('--version reports the commit and the libseccomp the build recorded', async (t) => {
  const r = await useRuntime(t).runtime(['--version']);
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines.length, 4, r.stdout);
  // `npm test` builds first; the tree may have changed since, hence only the prefix.
  const describe = execFileSync('git', ['describe', '--always'], { cwd: REPO, encoding: 'utf8' }).trim();
  t.true(lines[1].startsWith(`commit: ${describe}`), lines[1]);
  t.is(lines[3], `libseccomp: ${execFileSync('pkg-config', ['--modversion', 'libseccomp'], { encoding: 'utf8' }).trim()}`);
});

test('a build without .git (a release tarball) records commit "unknown"', (t) => {
  const rt = useRuntime(t);
  const tree = rt.hostDir('tarball');
  fs.mkdirSync(path.join(tree, 'scripts'));
  fs.copyFileSync(path.join(REPO, 'scripts/build-info.js'), path.join(tree, 'scripts/build-info.js'));
  execFileSync(process.execPath, [path.join(tree, 'scripts/build-info.js')]);
  t.regex(fs.readFileSync(path.join(tree, 'src/generated/build-info.ts'), 'utf8'), /BUILD_COMMIT = "unknown";/);
});

test('the runtime\'s own default spec runs without a word on stderr', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle();
  fs.rmSync(bundle.configPath);
  const spec = await rt.runtime(['spec', '--bundle', bundle.dir]);
  t.is(spec.code, 0, spec.stderr);
  t.is(spec.stderr, '');
  // Unchanged, it is runc's interactive default (terminal: true): on a terminal, its shell prompts
  // and exits at `exit`. Output to files, so the stderr checked is the runtime's alone.
  const { terminal, slave } = openTerminal();
  t.teardown(() => { terminal.close(); fs.closeSync(slave); });
  const [out, err] = ['spec-run.out', 'spec-run.err'].map((f) => path.join(rt.base, f));
  const files = [out, err].map((f) => fs.openSync(f, 'w'));
  const child = spawn(RUNTIME, ['--root', rt.root, 'run', '--bundle', bundle.dir, rt.id('spec')], { stdio: [slave, ...files] });
  files.forEach((fd) => fs.closeSync(fd));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => fs.readFileSync(out, 'utf8').includes('# '), { timeout: 60000, what: 'the shell\'s prompt' });
  terminal.write('exit\r');
  t.is(await exited, 0, fs.readFileSync(err, 'utf8'));
  t.is(fs.readFileSync(err, 'utf8'), '');
  // The same config asking what the process got: runc's default capabilities, nothing ambient.
  const config = JSON.parse(fs.readFileSync(bundle.configPath, 'utf8'));
  config.process.args = ['grep', '^Cap', '/proc/self/status'];
  config.process.terminal = false;
  fs.writeFileSync(bundle.configPath, JSON.stringify(config));
  const caps = await rt.runtime(['run', '--bundle', bundle.dir, rt.id('spec')]);
  t.is(caps.stderr, '');
  t.is(caps.code, 0);
  t.regex(caps.stdout, /^CapEff:\t0000000020000420$/m);
  t.regex(caps.stdout, /^CapAmb:\t0000000000000000$/m);
});

test('spec --bundle DIR writes a valid config.json, and refuses to overwrite it', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir('spec');
  const r = await rt.runtime(['spec', '--bundle', dir]);
  t.is(r.code, 0, r.stderr);
  const text = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  t.is(schemaErrors('config-schema.json', JSON.parse(text)), null);

  const again = await rt.runtime(['spec', '--bundle', dir]);
  t.not(again.code, 0);
  t.regex(again.stderr, /exists/);
  t.is(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'), text);
});

tsruncOnly('spec --bind HOST:CTR:ro adds a read-only bind mount', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir('spec');
  const r = await rt.runtime(['spec', '--bundle', dir, '--bind', '/srv/data:/data:ro']);
  t.is(r.code, 0, r.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const mount = config.mounts.find((m) => m.destination === '/data');
  t.is(mount?.source, '/srv/data');
  t.is(mount.type, 'bind');
  t.true(mount.options.includes('ro'), String(mount.options));
  t.true(mount.options.includes('bind') || mount.options.includes('rbind'), String(mount.options));
});

test('--log FILE --log-format json logs errors as JSON lines', async (t) => {
  const rt = useRuntime(t);
  const log = path.join(rt.base, 'runtime.log');
  const r = await rt.runtime(['--log', log, '--log-format', 'json', 'start', rt.id('missing')]);
  t.not(r.code, 0);
  const entries = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const error = entries.find((e) => e.level === 'error');
  t.truthy(error, JSON.stringify(entries));
  t.is(typeof error.msg, 'string');
  t.false(Number.isNaN(Date.parse(error.time)), `time: ${error.time}`);
});

test('list --quiet prints only the ids', async (t) => {
  const rt = useRuntime(t);
  const ids = [rt.id('q'), rt.id('q')];
  for (const id of ids) {
    const r = await rt.runtime(['create', '--bundle', rt.makeBundle().dir, id]);
    t.is(r.code, 0, r.stderr);
  }
  const r = await rt.runtime(['list', '--quiet']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ids.sort());
});
