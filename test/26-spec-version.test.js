'use strict';
// The runtime-spec version tsrunc implements (1.3.0) as every output reports it: `state`, `spec`,
// `features`, `--version`; and configs of every 1.x.y release up to it are run.
const test = require('ava');
const { useRuntime, isTsrunc, stateSchemaErrors } = require('./helpers/runtime');

// runc 1.1.5 (this host's) implements 1.0.2; runc 1.5 reports 1.3.0 as tsrunc does.
const tsruncOnly = isTsrunc ? test : test.skip;

tsruncOnly('state, spec, features and --version report runtime-spec 1.3.0', async (t) => {
  const rt = useRuntime(t);
  const version = await rt.runtime(['--version']);
  t.regex(version.stdout, /^spec: 1\.3\.0$/m);

  const bundle = rt.makeBundle((c) => { c.process.args = ['sleep', '30']; });
  const id = rt.id('ver');
  const created = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.is(created.code, 0, created.stderr);
  const { state } = await rt.state(id);
  t.is(state.ociVersion, '1.3.0');
  t.is(stateSchemaErrors(state), null);

  const dir = rt.hostDir('spec');
  const spec = await rt.runtime(['spec', '--bundle', dir]);
  t.is(spec.code, 0, spec.stderr);
  t.is(JSON.parse(require('fs').readFileSync(`${dir}/config.json`, 'utf8')).ociVersion, '1.3.0');

  const features = JSON.parse((await rt.runtime(['features'])).stdout);
  t.is(features.ociVersionMin, '1.0.0');
  t.is(features.ociVersionMax, '1.3.0');
});

test('a config of every runtime-spec release from 1.0.0 to 1.3.0 runs', async (t) => {
  const rt = useRuntime(t);
  for (const v of ['1.0.0', '1.0.1', '1.0.2', '1.0.2-dev', '1.1.0', '1.2.0', '1.2.1', '1.3.0']) {
    const r = await rt.run((c) => { c.ociVersion = v; c.process.args = ['echo', v]; });
    t.is(r.code, 0, `${v}: ${r.stderr}`);
    t.is(r.stdout.trim(), v);
  }
});

// runc reads any ociVersion; tsrunc refuses a major version it does not implement (README).
tsruncOnly('a config of another major version is refused, naming ociVersion', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => { c.ociVersion = '2.0.0'; });
  t.not(r.code, 0);
  t.regex(r.stderr, /ociVersion/);
  t.deepEqual(await rt.leftovers(r.id), { stateDir: false, processes: [], mounts: [] });
});
