// Side-by-side timing of the cheap verbs, used for speed-cli's figures (not part of npm run bench):
//   gcc -O2 -o /tmp/rtime bench/prototypes/measure/rtime.c
//   RTIME=/tmp/rtime node bench/prototypes/measure/verbs.js ROUNDS NAME=ARGV0[,ARG...] ...
// e.g. `... verbs.js 20 tsrunc=$PWD/bin/tsrunc runc=runc`. Every round runs, per runtime in a
// rotating order: `node -e 0` (the floor), then create+start (untimed) and `start` / `delete --force`
// of a /bin/true container, and `state`, `exec ID /bin/true`, `kill ID KILL` of a `sleep` one.
// Prints mean and median wall and CPU (user+sys of the tree, from wait4) and each minus the floor.
// CASES=state,start,kill,delete,exec picks cases. Needs root and bundles/default.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const ROUNDS = Number(process.argv[2]);
const WARM = 2;
const repo = path.join(__dirname, '..', '..', '..');
const work = fs.mkdtempSync('/var/tmp/speedcli-');
const rts = process.argv.slice(3).map((s) => { const [n, a] = s.split('='); return { name: n, argv: a.split(',') }; });
const noCa = { ...process.env }; delete noCa.NODE_EXTRA_CA_CERTS;
function mk(name, args) {
  const dir = path.join(work, name); fs.mkdirSync(dir);
  const c = JSON.parse(fs.readFileSync(path.join(repo, 'bundles/default/config.json'), 'utf8'));
  c.process.args = args; c.root.path = path.join(repo, 'bundles/default/rootfs');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c)); return dir;
}
const bTrue = mk('true', ['/bin/true']); const bSleep = mk('sleep', ['sleep', '1000']);
const errFd = fs.openSync(path.join(work, 'err'), 'a+');
function timed(argv) {
  fs.ftruncateSync(errFd, 0);
  const r = spawnSync(process.env.RTIME ?? '/tmp/rtime', argv, { stdio: ['ignore', 'ignore', errFd, 'pipe'], env: noCa, cwd: work });
  const [wall, u, s, rss, code] = r.output[3].toString().trim().split(' ').map(Number);
  if (code !== 0) throw new Error(`${argv.join(' ')}: exit ${code}: ${fs.readFileSync(path.join(work, 'err'), 'utf8')}`);
  return { wall: wall / 1000, cpu: (u + s) / 1000 };
}
const quiet = (argv) => spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', env: noCa, cwd: work });
const S = {};
const add = (k, v) => { (S[k] ??= { wall: [], cpu: [] }); S[k].wall.push(v.wall); S[k].cpu.push(v.cpu); };
const only = (process.env.CASES ?? 'state,start,kill,delete,exec').split(',');
for (let round = 0; round < WARM + ROUNDS; round++) {
  const keep = round >= WARM;
  const order = rts.map((_, i) => rts[(i + round) % rts.length]);
  for (const rt of order) {
    const f = timed(['node', '-e', '0']); if (keep) add('floor', f);
    const cmd = (...a) => [...rt.argv, '--root', path.join(work, 'root-' + rt.name), ...a];
    const id = `b-${round}`;
    const t = {};
    if (only.includes('start') || only.includes('delete')) {
      quiet(cmd('create', '--bundle', bTrue, `${id}-a`));
      if (only.includes('start')) t.start = timed(cmd('start', `${id}-a`)); else quiet(cmd('start', `${id}-a`));
      if (only.includes('delete')) t.delete = timed(cmd('delete', '--force', `${id}-a`)); else quiet(cmd('delete', '--force', `${id}-a`));
    }
    if (only.includes('state') || only.includes('kill') || only.includes('exec')) {
      quiet(cmd('run', '-d', '--bundle', bSleep, `${id}-b`));
      if (only.includes('state')) t.state = timed(cmd('state', `${id}-b`));
      if (only.includes('exec')) t.exec = timed(cmd('exec', `${id}-b`, '/bin/true'));
      if (only.includes('kill')) t.kill = timed(cmd('kill', `${id}-b`, 'KILL'));
      quiet(cmd('delete', '--force', `${id}-b`));
    }
    if (keep) for (const [k, v] of Object.entries(t)) add(`${k}\t${rt.name}`, v);
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const floor = { wall: mean(S.floor.wall), cpu: mean(S.floor.cpu) };
console.log(`load ${require('os').loadavg().map((x) => x.toFixed(1)).join(' ')}  rounds ${ROUNDS}  floor node -e 0: wall ${floor.wall.toFixed(1)} (med ${med(S.floor.wall).toFixed(1)}) cpu ${floor.cpu.toFixed(1)}`);
console.log(`floor medians: wall ${med(S.floor.wall).toFixed(1)} cpu ${med(S.floor.cpu).toFixed(1)}`);
console.log('case\truntime\twall\tmed\tcpu\tcpu-med\twall-floor\tcpu-floor\tmed-wall-floor\tmed-cpu-floor');
for (const [k, v] of Object.entries(S).sort()) {
  if (k === 'floor') continue;
  const w = mean(v.wall), c = mean(v.cpu);
  const isTs = !k.endsWith('\trunc') && !k.endsWith('\tcrun');
  console.log(`${k}\t${w.toFixed(1)}\t${med(v.wall).toFixed(1)}\t${c.toFixed(1)}\t${med(v.cpu).toFixed(1)}\t${isTs ? (w - floor.wall).toFixed(1) : ''}\t${isTs ? (c - floor.cpu).toFixed(1) : ''}\t${isTs ? (med(v.wall) - med(S.floor.wall)).toFixed(1) : ''}\t${isTs ? (med(v.cpu) - med(S.floor.cpu)).toFixed(1) : ''}`);
}
fs.rmSync(work, { recursive: true, force: true });
