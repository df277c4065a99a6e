#!/usr/bin/env node
// Where a tsrunc command's time goes: runs `bin/tsrunc ARGS...` RUNS times (default 5) under
// `node --cpu-prof` (NODE_EXTRA_CA_CERTS dropped, as bin/tsrunc does) and prints the self time
// per function, averaged over the runs, largest first. bench/RESULTS.md quotes its output.
//   node bench/profile.js --root /tmp/r state ID
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const runs = Number(process.env.RUNS ?? 5);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-prof-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const bin = path.join(__dirname, '..', 'bin', 'tsrunc');
for (let i = 0; i < runs; i++) {
  spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '50', bin, ...process.argv.slice(2)],
    { env, stdio: ['ignore', 'ignore', 'inherit'] });
}
const self = new Map();
for (const f of fs.readdirSync(dir)) {
  const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((s, i) => {
    const { url, functionName } = byId.get(s).callFrame;
    const key = `${url.split('/').slice(-2).join('/') || '(native)'} ${functionName || '(top level)'}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
}
fs.rmSync(dir, { recursive: true, force: true });
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`${(total / 1000 / runs).toFixed(1)} ms sampled per run (main thread, incl. idle)`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 15))) {
  console.log(`${(us / 1000 / runs).toFixed(2).padStart(6)} ms  ${k}`);
}
