#!/usr/bin/env node
'use strict';
// `npm run test:torture [-- --long]`: runs the torture files (ava.torture.config.mjs), then prints
// the figures they reported (trials, leaks found, files lost, crashes, throughput) and ends with
// "N passed, M failed". --long runs the full counts the README's reliability section quotes;
// the default run is sized to stay under 10 minutes in CI. Extra arguments go to ava
// (e.g. a file to run alone).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const args = process.argv.slice(2);
const long = args.includes('--long');
const avaArgs = args.filter((a) => a !== '--long');
const figuresFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-torture-')), 'figures.jsonl');
const repo = path.resolve(__dirname, '../..');
const started = Date.now();

const child = spawn(process.execPath, [path.join(repo, 'node_modules/ava/entrypoints/cli.mjs'), '--config', 'ava.torture.config.mjs', ...avaArgs], {
  cwd: repo,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, TSRUNC_TORTURE_LONG: long ? '1' : '0', TSRUNC_TORTURE_FIGURES: figuresFile },
});
let output = '';
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  from.on('data', (d) => { output += d; to.write(d); });
}

child.on('close', (code, signal) => {
  const figures = new Map();
  const text = fs.existsSync(figuresFile) ? fs.readFileSync(figuresFile, 'utf8') : '';
  for (const line of text.split('\n').filter(Boolean)) {
    const f = JSON.parse(line);
    const prev = figures.get(f.name);
    figures.set(f.name, { ...f, value: prev && f.add ? prev.value + f.value : f.value });
  }
  fs.rmSync(path.dirname(figuresFile), { recursive: true, force: true });

  const count = (what) => Number((output.match(new RegExp(`^\\s*(\\d+) tests? ${what}`, 'm')) || [])[1] || 0);
  // ava prints "N tests passed" only when none failed; otherwise count its ✔ lines.
  const passed = count('passed') || (output.match(/^\s*✔/gm) || []).length;
  let failed = count('failed');
  // ava died (a crash, a signal) without reporting a failed test: that is a failure too.
  if ((code !== 0 || signal) && failed === 0) failed = 1;

  console.log(`\ntorture figures (${long ? 'long' : 'default'} run, ${new Date().toISOString()}, ${os.cpus().length} CPUs, ` +
    `${((Date.now() - started) / 60000).toFixed(1)} min):`);
  const width = Math.max(0, ...[...figures.keys()].map((k) => k.length));
  for (const [name, f] of [...figures].sort(([a], [b]) => a.localeCompare(b))) {
    const value = Number.isInteger(f.value) ? f.value : f.value.toFixed(1);
    console.log(`  ${name.padEnd(width)}  ${value}${f.unit ? ' ' + f.unit : ''}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : code ?? 1);
});
