#!/usr/bin/env node
// create and run side by side (issue 12's create/run targets), interleaved round by round:
// `create` of a /bin/true container (its delete untimed), `run` of /bin/true, and the
// `node -e 0` floor; the wall time of each command alone and its CPU time (user + sys of it and
// what it reaped, from wait4: bench/prototypes/measure/rtime), or with CPU=task-clock perf's
// task-clock of the whole tree (time on a CPU, counted exactly, the container's init included:
// a loaded machine inflates it far less than wall time).
//   ROUNDS=20 RUNTIMES=tsrunc,runc,crun TSRUNC=/path/bin/tsrunc node bench/create-run.js
//   ROUNDS=20 RUNTIMES=tsrunc,base CPU=task-clock BASE=/old/bin/tsrunc node bench/create-run.js
//     (before/after for one change: two tsrunc builds interleaved round by round)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const WARMUP = 2;
const work = fs.mkdtempSync('/var/tmp/tsrunc-cr-');
const noCa = { ...process.env };
delete noCa.NODE_EXTRA_CA_CERTS;
// BASE=/path/bin/tsrunc adds a second tsrunc build ("base"): before/after in the same run.
const bins = { tsrunc: process.env.TSRUNC ?? path.join(repo, 'bin', 'tsrunc'), base: process.env.BASE, runc: 'runc', crun: path.join(__dirname, 'hide-cgroup2.sh') };
const runtimes = (process.env.RUNTIMES ?? 'tsrunc,runc').split(',');
const extra = { crun: ['crun'] };
const bundle = path.join(work, 'true');
fs.mkdirSync(bundle);
const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'default', 'config.json'), 'utf8'));
config.process.args = ['/bin/true'];
config.root.path = path.join(repo, 'bundles', 'default', 'rootfs');
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
const tfile = path.join(work, 'task-clock');
const TASK_CLOCK = process.env.CPU === 'task-clock';
const rtime = path.join(work, 'rtime');
require('node:child_process').execFileSync('cc', ['-O2', '-o', rtime, path.join(__dirname, 'prototypes', 'measure', 'rtime.c')]);

/** One command's wall time and CPU time (ms). */
function timed(argv) {
  const perf = TASK_CLOCK ? ['perf', 'stat', '-x,', '-e', 'task-clock', '-o', tfile, '--'] : [];
  // stdio never a pipe but rtime's report (fd 3, which it keeps from the command): a created
  // container's init holds what it inherits.
  const r = spawnSync([...perf, rtime][0], [...perf, rtime, ...argv].slice(1), { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: noCa, cwd: work, encoding: 'utf8' });
  const [wallUs, userUs, sysUs, , status] = String(r.output[3] ?? '').trim().split(' ').map(Number);
  if (r.status !== 0 || status !== 0) throw new Error(`${argv.join(' ')}: exit ${status ?? r.status}`);
  const cpu = TASK_CLOCK ? Number(fs.readFileSync(tfile, 'utf8').split('\n').find((l) => l.includes('task-clock')).split(',')[0]) : (userUs + sysUs) / 1000;
  return { ms: wallUs / 1000, cpu };
}
const cmd = (name, ...args) => [bins[name], ...(extra[name] ?? []), '--root', path.join(work, `root-${name}`), ...args];
const samples = {};
const add = (k, v) => { (samples[k] ??= { ms: [], cpu: [] }); samples[k].ms.push(v.ms); samples[k].cpu.push(v.cpu); };
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  const keep = round >= WARMUP;
  const order = runtimes.map((_, i) => runtimes[(i + round) % runtimes.length]);
  const f = timed(['node', '-e', '0']);
  if (keep) add('floor node -e 0', f);
  for (const name of order) {
    const id = `cr-${name}-${round}`;
    const c = timed(cmd(name, 'create', '--bundle', bundle, `${id}-a`));
    spawnSync(cmd(name)[0], cmd(name, 'delete', '--force', `${id}-a`).slice(1), { stdio: 'ignore', env: noCa });
    const r = timed(cmd(name, 'run', '--bundle', bundle, `${id}-b`));
    if (keep) { add(`create ${name}`, c); add(`run ${name}`, r); }
  }
  process.stderr.write(`\rround ${round + 1}/${WARMUP + ROUNDS}`);
}
process.stderr.write('\n');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
for (const [k, v] of Object.entries(samples)) out[k] = { mean: mean(v.ms), median: med(v.ms), cpu: mean(v.cpu), cpuMedian: med(v.cpu) };
const clock = TASK_CLOCK ? 'task-clock' : 'cpu';
for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(20)} wall mean ${v.mean.toFixed(1)} median ${v.median.toFixed(1)}  ${clock} mean ${v.cpu.toFixed(1)} median ${v.cpuMedian.toFixed(1)} ms`);
const floor = out['floor node -e 0'];
for (const t of ['tsrunc', 'base']) {
  const c = out[`create ${t}`], r = out[`run ${t}`], rc = out['create runc'], rr = out['run runc'];
  if (t === 'base' && c && out['create tsrunc']) {
    const n = out['create tsrunc'], nr = out['run tsrunc'];
    console.log(`tsrunc vs base: create wall median ${n.median.toFixed(1)} vs ${c.median.toFixed(1)}, ${clock} ${n.cpuMedian.toFixed(1)} vs ${c.cpuMedian.toFixed(1)}; run wall median ${nr.median.toFixed(1)} vs ${r.median.toFixed(1)}, ${clock} ${nr.cpuMedian.toFixed(1)} vs ${r.cpuMedian.toFixed(1)}`);
  }
  if (!c || !rc) continue;
  console.log(`${t} create: tsrunc-floor ${(c.mean - floor.mean).toFixed(1)} vs runc ${rc.mean.toFixed(1)} (median ${(c.median - floor.median).toFixed(1)} vs ${rc.median.toFixed(1)}; cpu ${(c.cpu - floor.cpu).toFixed(1)} vs ${rc.cpu.toFixed(1)})`);
  console.log(`${t} run: ${(r.mean / rr.mean).toFixed(2)}x runc (median ${(r.median / rr.median).toFixed(2)}x; cpu ${(r.cpu / rr.cpu).toFixed(2)}x)`);
}
console.log(`load ${require('node:os').loadavg().map((x) => x.toFixed(1)).join(' ')}`);
fs.rmSync(work, { recursive: true, force: true });
