'use strict';
// Damaged state files: a real state.json (written by create) cut at a random length, with random
// bytes flipped, replaced by random bytes or by JSON that is not a tsrunc state - and directories
// with no state file at all. None may make `list` fail; `state` either reads a record that is
// still whole or says the file is corrupt; `delete --force` always clears it; nothing a damaged
// record names (a pid, a cgroup path) is trusted further than a whole record would be.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const test = require('ava');
const { isTsrunc, useRuntime } = require('../helpers/runtime');
const { figure, trials } = require('./lib/figures');

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const randomInt = (n) => Math.floor(Math.random() * n);

const DAMAGE = {
  // The control: a whole record of a container that is gone reads as stopped.
  none: (text) => text,
  truncated: (text) => text.slice(0, randomInt(text.length)),
  empty: () => '',
  'bytes flipped': (text) => {
    const buf = Buffer.from(text);
    for (let i = 0, n = 1 + randomInt(4); i < n; i++) buf[randomInt(buf.length)] ^= 1 << randomInt(8);
    return buf;
  },
  'random bytes': (text) => crypto.randomBytes(randomInt(text.length)),
  'foreign JSON': () => pick(['null', '42', '"state"', '[]', '{}', '{"id":1}', JSON.stringify({ ociVersion: '1.0.2', id: 'x', status: 'running', pid: 1, bundle: '/' })]),
  'another id': (text) => text.replace(/"id":"([^"]*)"/, '"id":"$1-other"'),
  'no state file': () => undefined,
};

(isTsrunc ? test : test.skip)('damaged state files never fail list and are always cleared by delete --force', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const real = rt.id('real');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, real])).code, 0);
  const template = fs.readFileSync(path.join(rt.root, real, 'state.json'), 'utf8');
  t.is((await rt.runtime(['delete', '--force', real])).code, 0);

  const failures = [];
  let recovered = 0;
  let stillWhole = 0;
  const TRIALS = trials(25, 200);
  for (let i = 0; i < TRIALS; i++) {
    const id = rt.id('dmg');
    const kind = pick(Object.keys(DAMAGE));
    const dir = path.join(rt.root, id);
    fs.mkdirSync(dir, { recursive: true });
    const damaged = DAMAGE[kind](template.replace(`"id":"${real}"`, `"id":"${id}"`));
    if (damaged !== undefined) fs.writeFileSync(path.join(dir, 'state.json'), damaged);
    if (Math.random() < 0.5) fs.writeFileSync(path.join(dir, 'lock'), '');
    const what = `trial ${i} (${kind})`;
    const list = await rt.runtime(['list', '--format', 'json']);
    if (list.code !== 0) failures.push(`${what}: list failed: ${list.stderr.trim()}`);
    else if (!(JSON.parse(list.stdout) ?? []).some((s) => s.id === id)) failures.push(`${what}: list omits it`);
    const state = await rt.runtime(['state', id]);
    if (state.code === 0) stillWhole++;
    else if (kind === 'none') failures.push(`${what}: a whole record does not read: ${state.stderr.trim()}`);
    else if (!/is corrupt|does not exist/.test(state.stderr)) failures.push(`${what}: state says ${state.stderr.trim()}`);
    const del = await rt.runtime(['delete', '--force', id]);
    if (del.code !== 0) failures.push(`${what}: delete --force failed: ${del.stderr.trim()}`);
    else if (fs.existsSync(dir)) failures.push(`${what}: delete --force left ${dir}`);
    else recovered++;
  }
  t.log(`${recovered} recovered, ${stillWhole} still read as whole records`);
  figure('crash: state files recovered', recovered);
  figure('crash: damaged state files', TRIALS);
  t.deepEqual(failures, []);
  t.deepEqual(fs.readdirSync(rt.root), []);
});
