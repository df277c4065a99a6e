'use strict';
// The runc-compatible command line: --version, spec, --log/--log-format, list --quiet.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, schemaErrors } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;

test('--version names the runtime and the spec version', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.runtime(['--version']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout.split('\n')[0], /^(tsrunc|runc) version /);
  t.regex(r.stdout, /^spec: 1\./m);
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
