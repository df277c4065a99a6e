#!/usr/bin/env node
// Where a tsrunc command's memory goes: its resident memory at exit, by mapping (node's code and
// read-only data, anonymous memory, the addon, libc...) and V8's heap by space, next to `node -e 0`
// measured the same way. bench.js reports the peak (max RSS); this says what it is made of.
//
//   node bench/memory.js --root /tmp/r run --bundle B ID     runs `bin/tsrunc ARGS...` once
//
// Both processes load a small preload (NODE_OPTIONS=--require) that reads /proc/self/smaps and
// status when the process exits: VmHWM there is the peak, the rest is what is resident at exit.
// bench/RESULTS.md quotes its output.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const bin = path.join(repo, 'bin', 'tsrunc');
const { NODE_FLAGS } = require('../bin/tsrunc');

const PRELOAD = `
process.on('exit', () => {
  const fs = require('fs');
  const byMapping = {};
  let name;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ (\\S+) [0-9a-f]+ \\S+ \\d+\\s*(.*)$/.exec(line);
    if (m) { name = (m[2] || '[anonymous]') + ' ' + m[1]; continue; }
    const r = /^Rss:\\s+(\\d+)/.exec(line);
    if (r) byMapping[name] = (byMapping[name] || 0) + Number(r[1]);
  }
  const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  const heap = Object.fromEntries(require('v8').getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size >> 10]));
  fs.writeFileSync(process.env.TSRUNC_MEMORY_OUT, JSON.stringify({ hwm, byMapping, heap }));
});`;

function measure(argv, dir, tag) {
  const out = path.join(dir, `${tag}.json`);
  const env = { ...process.env, NODE_OPTIONS: `--require ${path.join(dir, 'preload.js')}`, TSRUNC_MEMORY_OUT: out };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!fs.existsSync(out)) throw new Error(`${argv.join(' ')} exited ${r.status} without writing ${out}`);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-memory-'));
try {
  fs.writeFileSync(path.join(dir, 'preload.js'), PRELOAD);
  const floor = measure([process.execPath, '-e', '0'], dir, 'floor');
  const lite = measure([process.execPath, ...NODE_FLAGS, '-e', '0'], dir, 'lite');
  const cmd = measure([bin, ...process.argv.slice(2)], dir, 'tsrunc');
  const kib = (n) => `${(n / 1024).toFixed(2)} MiB`;
  console.log(`peak (VmHWM): tsrunc ${kib(cmd.hwm)}, node -e 0 ${kib(floor.hwm)}, node ${NODE_FLAGS.join(' ')} -e 0 ${kib(lite.hwm)}\n`);
  console.log('resident at exit, by mapping (KiB; rows that differ by >= 32 KiB from node -e 0):');
  console.log('| mapping | node -e 0 | tsrunc | difference |\n| --- | --- | --- | --- |');
  const names = new Set([...Object.keys(floor.byMapping), ...Object.keys(cmd.byMapping)]);
  const rows = [...names].map((n) => [n, floor.byMapping[n] ?? 0, cmd.byMapping[n] ?? 0]).filter(([, a, b]) => Math.abs(b - a) >= 32);
  for (const [n, a, b] of rows.sort((x, y) => (y[2] - y[1]) - (x[2] - x[1]))) console.log(`| ${n} | ${a} | ${b} | ${b - a} |`);
  const sum = (o) => Object.values(o).reduce((x, y) => x + y, 0);
  console.log(`| total | ${sum(floor.byMapping)} | ${sum(cmd.byMapping)} | ${sum(cmd.byMapping) - sum(floor.byMapping)} |\n`);
  console.log("V8's heap by space (physical KiB; node -e 0 -> tsrunc):");
  console.log(Object.keys(cmd.heap).filter((s) => cmd.heap[s] || floor.heap[s]).map((s) => `${s} ${floor.heap[s]} -> ${cmd.heap[s]}`).join(', '));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
