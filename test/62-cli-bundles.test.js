'use strict';
// What the CLI loads per verb (bin/tsrunc, scripts/build-bundle.js, scripts/build-code-cache.js).
// Not timed - speed is bench/'s job - but the structure the speed rests on, which a stray import
// undoes without failing any other test: each verb's code cache is accepted by V8 under the flags
// bin/tsrunc runs with, and the verbs clients call most never load child_process, net or streams
// (a module on their path did once: ~3 ms a command). Real containers.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, NODE_ENTRY } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;
const REPO = path.join(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli');
const { VERB_BUNDLES, NODE_FLAGS } = require('../bin/tsrunc');

tsruncOnly('every verb bundle has a code cache V8 accepts under bin/tsrunc\'s flags', (t) => {
  for (const name of [...VERB_BUNDLES, 'version']) {
    const file = path.join(CLI, `tsrunc-${name}.js`);
    const check = `const fs = require('fs'); const s = new (require('vm').Script)(fs.readFileSync(${JSON.stringify(file)}, 'latin1'),
      { filename: ${JSON.stringify(file)}, cachedData: fs.readFileSync(${JSON.stringify(path.join(CLI, `tsrunc-${name}.cache`))}) });
      process.stdout.write(String(s.cachedDataRejected));`;
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', check], { encoding: 'utf8' });
    t.is(r.stdout, 'false', `${name}: ${r.stderr}`);
  }
});

tsruncOnly('a verb bundle holds only its own verb: state has no validator, create no yargs', (t) => {
  const read = (name) => fs.readFileSync(path.join(CLI, `tsrunc-${name}.js`), 'latin1');
  // esbuild names each module it bundles in a comment: the markers are there where they belong.
  t.true(read('create').includes('dist/generated/config-validator.js'));
  t.true(read('delete').includes('dist/cgroups/cgroup-manager.js'));
  t.true(fs.readFileSync(path.join(CLI, 'tsrunc.js'), 'latin1').includes('node_modules/yargs'));
  for (const cheap of ['state', 'start', 'kill', 'delete']) {
    t.false(read(cheap).includes('dist/generated/config-validator.js'), `${cheap} holds the config validator`);
    t.false(read(cheap).includes('dist/plan/compile.js'), `${cheap} holds the plan compiler`);
  }
  t.false(read('state').includes('dist/cgroups/cgroup-manager.js'), 'state holds the cgroup driver');
  t.false(read('create').includes('node_modules/yargs'), 'create holds yargs');
});

tsruncOnly('state, start, kill and delete load none of child_process, net, streams or os', async (t) => {
  const rt = useRuntime(t);
  const preload = path.join(rt.base, 'module-list.js');
  fs.writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.MODULE_LIST, process.moduleLoadList.join('\\n')));");
  const loaded = async (args) => {
    const list = path.join(rt.base, 'modules');
    // The Node entry itself (the front-end would answer these without Node): what a hand-off runs.
    const r = await rt.runtime(args, { binary: NODE_ENTRY, env: { NODE_OPTIONS: `--require ${preload}`, MODULE_LIST: list } });
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return fs.readFileSync(list, 'utf8').split('\n').filter((m) => /^NativeModule (child_process|net|stream|os|dgram)$/.test(m));
  };
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('mods');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, id])).code, 0);
  t.deepEqual(await loaded(['state', id]), [], 'state (created)');
  t.deepEqual(await loaded(['start', id]), [], 'start');
  t.deepEqual(await loaded(['state', id]), [], 'state (running)');
  t.deepEqual(await loaded(['kill', id, '9']), [], 'kill');
  await rt.waitForStatus(id, 'stopped');
  t.deepEqual(await loaded(['delete', id]), [], 'delete');
});

// The systemd cgroup driver's D-Bus client is libsystemd (sd-bus) in its own addon,
// tsrunc-systemd.node: only a container the systemd driver places loads it. Every verb on a
// cgroupfs container - create included - maps neither it nor libsystemd, and the state bundle
// does not even hold the driver's code. (The driver itself is tested in test/systemd.)
tsruncOnly('no verb of a cgroupfs container loads the systemd D-Bus client (libsystemd)', async (t) => {
  const rt = useRuntime(t);
  const preload = path.join(rt.base, 'maps.js');
  fs.writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.MAPS_OUT, require('fs').readFileSync('/proc/self/maps', 'utf8')));");
  const mapped = async (args) => {
    const out = path.join(rt.base, 'maps');
    const r = await rt.runtime(args, { binary: NODE_ENTRY, env: { NODE_OPTIONS: `--require ${preload}`, MAPS_OUT: out } });
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const maps = fs.readFileSync(out, 'utf8');
    t.true(maps.includes('node'), 'the maps were written');
    return [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((f) => /libsystemd|tsrunc-systemd/.test(f ?? '')))];
  };
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('nosd');
  t.deepEqual(await mapped(['create', '--bundle', bundle.dir, id]), [], 'create');
  t.deepEqual(await mapped(['start', id]), [], 'start');
  t.deepEqual(await mapped(['state', id]), [], 'state');
  t.deepEqual(await mapped(['pause', id]), [], 'pause');
  t.deepEqual(await mapped(['resume', id]), [], 'resume');
  t.deepEqual(await mapped(['exec', id, 'true']), [], 'exec');
  t.deepEqual(await mapped(['kill', id, '9']), [], 'kill');
  await rt.waitForStatus(id, 'stopped');
  t.deepEqual(await mapped(['delete', id]), [], 'delete');
  t.false(fs.readFileSync(path.join(CLI, 'tsrunc-state.js'), 'latin1').includes('dist/cgroups/systemd/'), 'state holds the systemd driver');
  t.false(fs.readFileSync(path.join(CLI, 'tsrunc-state.js'), 'latin1').includes('tsrunc-systemd.node'));
});
