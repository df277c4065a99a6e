#!/usr/bin/env node
// `create` under the systemd cgroup driver beside `create` with cgroupfs, on the same host,
// interleaved round by round (issue 21: --systemd-cgroup within 10 ms of cgroupfs). Needs systemd
// as PID 1 with cgroup v2; on this development machine run it in the systemd VM:
//   ../shared/tools/vm-run --systemd -- node bench/systemd-create.js
//   ROUNDS=15 RUNTIMES=tsrunc,runc node bench/systemd-create.js
// Each create is of a /bin/true container (its delete untimed); the median and the spread of the
// wall time are printed per runtime and driver, and the systemd - cgroupfs difference. In the
// software-emulated VM every figure is several times the host's: compare the columns, not
// the absolute numbers.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const WARMUP = 2;
const bins = { tsrunc: process.env.TSRUNC ?? path.join(repo, 'bin', 'tsrunc'), runc: 'runc' };
const runtimes = (process.env.RUNTIMES ?? 'tsrunc,runc').split(',');
const work = fs.mkdtempSync('/var/tmp/tsrunc-sdb-');
const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'default', 'config.json'), 'utf8'));
config.process.args = ['/bin/true'];
config.root.path = path.join(repo, 'bundles', 'default', 'rootfs');

function bundleFor(driver) {
  const dir = path.join(work, driver);
  fs.mkdirSync(dir, { recursive: true });
  // cgroupfs: a relative path (beside this process's cgroup); systemd: a scope in system.slice.
  const c = { ...config, linux: { ...config.linux } };
  delete c.linux.cgroupsPath;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}
const bundles = { cgroupfs: bundleFor('cgroupfs'), systemd: bundleFor('systemd') };

function once(name, driver, id) {
  const global = ['--root', path.join(work, `root-${name}`), ...(driver === 'systemd' ? ['--systemd-cgroup'] : [])];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bins[name], [...global, 'create', '--bundle', bundles[driver], id], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  spawnSync(bins[name], [...global, 'delete', '--force', id], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${name} ${driver} create: exit ${r.status}`);
  return ms;
}

const samples = {};
try {
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const cells = runtimes.flatMap((n) => [[n, 'cgroupfs'], [n, 'systemd']]);
    const order = cells.map((_, i) => cells[(i + round) % cells.length]);
    for (const [name, driver] of order) {
      const ms = once(name, driver, `sdb-${name}-${driver}-${round}`);
      if (round >= WARMUP) (samples[`${name} ${driver}`] ??= []).push(ms);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
console.log(`create of /bin/true, ${ROUNDS} rounds (wall ms: median [p10-p90])`);
for (const [k, v] of Object.entries(samples)) console.log(`  ${k.padEnd(18)} ${median(v).toFixed(1).padStart(7)}  [${q(v, 0.1).toFixed(1)}-${q(v, 0.9).toFixed(1)}]`);
for (const name of runtimes) {
  const d = median(samples[`${name} systemd`]) - median(samples[`${name} cgroupfs`]);
  console.log(`  ${name}: systemd - cgroupfs = ${d.toFixed(1)} ms (median)`);
}
