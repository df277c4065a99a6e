#!/usr/bin/env node
// `npm run bench`: tsrunc, runc and crun side by side, in the same run, interleaved.
//
// Every round runs each case once per runtime, in a rotating order, so that load from the rest of
// the machine falls on all runtimes alike: only ratios within one run mean anything. The first
// WARMUP rounds are discarded. Cases (times are wall-clock of one command, spawned from here):
//   floors     `node -e 0` (NODE_EXTRA_CA_CERTS unset and set), `tsrunc --version`, /bin/true
//              (this harness's own spawn cost), and crun's cgroup2-hiding wrapper running true
//   create / start / delete   one /bin/true container: each command timed alone; `cycle` is the
//              sum (create, start, delete --force: what a client does for a short job)
//   state / kill              on a running `sleep` container
//   run        `run` of /bin/true (create + start + wait + delete in one command)
//   rss        the largest max-RSS of any process in the runtime's tree during `run`
//              (wait4's rusage covers every reaped descendant; GNU time -f %M)
//   throughput 50 containers (`run` of /bin/true) at parallelism 1 and 8, through each CLI and
//              through tsrunc's in-process API (new Runtime().run()), containers per second
//
// crun 1.8 refuses hybrid cgroup hosts: it runs through bench/hide-cgroup2.sh (a private mount
// namespace with /sys/fs/cgroup/unified unmounted). That wrapper costs a fork of unshare and sh;
// its floor is measured and reported, and crun's figures are given raw and net of it.
//
// Output: bench/results.json, bench/chart.svg (gnuplot), and a summary on stdout.
// Environment: ROUNDS (default 20), WARMUP (3), N (50 containers), RUNTIMES (tsrunc,runc,crun).
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const WARMUP = Number(process.env.WARMUP ?? 3);
const N = Number(process.env.N ?? 50);
const work = fs.mkdtempSync('/var/tmp/tsrunc-bench-');
const noCa = { ...process.env };
delete noCa.NODE_EXTRA_CA_CERTS;

const RUNTIMES = {
  tsrunc: { argv: [path.join(repo, 'bin', 'tsrunc')] },
  runc: { argv: ['runc'] },
  crun: { argv: [path.join(__dirname, 'hide-cgroup2.sh'), 'crun'] },
};

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
}

// stderr goes to a file, never a pipe: a created container inherits it, and a pipe would keep
// spawnSync waiting until the container exits.
const errFile = path.join(work, 'stderr');
const errFd = fs.openSync(errFile, 'a+'); // O_APPEND: after a truncate, writes start at 0 again
const lastStderr = () => fs.readFileSync(errFile, 'utf8');

/** Runs argv once; returns milliseconds, or throws with stderr when it fails. */
function timed(argv, env = process.env) {
  fs.ftruncateSync(errFd, 0);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', errFd], env, cwd: work });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${lastStderr()}`);
  return ms;
}

function quiet(argv) {
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', cwd: work });
}

function makeBundle(name, args) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'default', 'config.json'), 'utf8'));
  config.process.args = args;
  config.root.path = path.join(repo, 'bundles', 'default', 'rootfs');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { mean: +mean.toFixed(2), median: +s[Math.floor(s.length / 2)].toFixed(2), sd: +sd.toFixed(2), n: s.length };
};

async function pool(n, parallel, job) {
  let next = 0;
  const worker = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function spawnRun(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', errFd], cwd: work });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}: ${lastStderr()}`))));
  });
}

async function main() {
  const bTrue = makeBundle('true', ['/bin/true']);
  const bSleep = makeBundle('sleep', ['sleep', '1000']);
  const load = os.loadavg();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release(), node: process.version, loadavgAtStart: load },
    versions: {},
    skipped: {},
    rounds: ROUNDS,
    warmup: WARMUP,
    times: {},
    rss: {},
    throughput: {},
  };

  // Which runtimes can run here; each one that cannot is reported with its reason.
  const wanted = (process.env.RUNTIMES ?? 'tsrunc,runc,crun').split(',');
  const active = [];
  for (const name of wanted) {
    const rt = RUNTIMES[name];
    if (name !== 'tsrunc' && !which(name)) {
      result.skipped[name] = 'not installed';
      continue;
    }
    const root = path.join(work, `root-${name}`);
    rt.cmd = (...args) => [...rt.argv, '--root', root, ...args];
    try {
      result.versions[name] = execFileSync(rt.argv[0], [...rt.argv.slice(1), '--version'], { encoding: 'utf8', env: noCa }).split('\n')[0];
      timed(rt.cmd('run', '--bundle', bTrue, `probe-${name}`));
      active.push(name);
    } catch (e) {
      result.skipped[name] = String(e.message).trim();
      quiet(rt.cmd('delete', '-f', `probe-${name}`));
    }
  }
  for (const [name, why] of Object.entries(result.skipped)) console.error(`bench: ${name} skipped: ${why}`);

  const samples = {};
  const add = (key, ms) => (samples[key] ??= []).push(ms);
  const tsrunc = RUNTIMES.tsrunc.argv[0];
  const floors = {
    'node -e 0': [['node', '-e', '0'], noCa],
    'node -e 0 (NODE_EXTRA_CA_CERTS set)': [['node', '-e', '0'], process.env],
    'tsrunc --version': [[tsrunc, '--version'], process.env],
    'spawn /bin/true (harness)': [['/bin/true'], process.env],
    'crun wrapper running true': [[path.join(__dirname, 'hide-cgroup2.sh'), 'true'], process.env],
  };

  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const keep = round >= WARMUP;
    const order = active.map((_, i) => active[(i + round) % active.length]);
    for (const [name, [argv, env]] of Object.entries(floors)) {
      const ms = timed(argv, env);
      if (keep) add(`floor\t${name}`, ms);
    }
    for (const name of order) {
      const { cmd } = RUNTIMES[name];
      const id = `bench-${name}-${round}`;
      const t = {};
      t.create = timed(cmd('create', '--bundle', bTrue, `${id}-a`));
      t.start = timed(cmd('start', `${id}-a`));
      t.delete = timed(cmd('delete', '--force', `${id}-a`));
      t.cycle = t.create + t.start + t.delete;
      quiet(cmd('create', '--bundle', bSleep, `${id}-b`));
      quiet(cmd('start', `${id}-b`));
      t.state = timed(cmd('state', `${id}-b`));
      t.kill = timed(cmd('kill', `${id}-b`, 'KILL'));
      quiet(cmd('delete', '--force', `${id}-b`));
      t.run = timed(cmd('run', '--bundle', bTrue, `${id}-c`));
      if (keep) for (const [k, ms] of Object.entries(t)) add(`${k}\t${name}`, ms);
    }
    process.stderr.write(`\rbench: round ${round + 1}/${WARMUP + ROUNDS}`);
  }
  process.stderr.write('\n');
  for (const [key, xs] of Object.entries(samples)) {
    const [cse, name] = key.split('\t');
    (result.times[cse] ??= {})[name] = stats(xs);
  }

  // Peak RSS of the runtime's process tree during `run` (max over 5 runs).
  for (const name of active) {
    let peak = 0;
    for (let i = 0; i < 5; i++) {
      fs.ftruncateSync(errFd, 0);
      spawnSync('/usr/bin/time', ['-f', '%M', ...RUNTIMES[name].cmd('run', '--bundle', bTrue, `rss-${name}-${i}`)],
        { stdio: ['ignore', 'ignore', errFd], cwd: work });
      peak = Math.max(peak, Number(lastStderr().trim().split('\n').pop()));
    }
    result.rss[name] = { peakKiB: peak };
  }
  {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'node', '-e', '0'], { encoding: 'utf8', env: noCa });
    result.rss['node -e 0'] = { peakKiB: Number(r.stderr.trim().split('\n').pop()) };
  }

  // Throughput: N containers at P=1 and P=8; CLIs and the in-process API, interleaved by rep.
  const { Runtime } = require(path.join(repo, 'dist', 'index.js'));
  const api = new Runtime({ root: path.join(work, 'root-api') });
  const targets = [...active.map((name) => ['cli', name]), ['api', 'tsrunc']];
  for (const parallel of [1, 8]) {
    for (let rep = 0; rep < 2; rep++) {
      for (const [via, name] of rep % 2 ? [...targets].reverse() : targets) {
        const t0 = process.hrtime.bigint();
        const prefix = `tp-${via}-${name}-${parallel}-${rep}`;
        await pool(N, parallel, (i) =>
          via === 'api'
            ? api.run(`${prefix}-${i}`, { bundle: bTrue }).then((code) => {
              if (code !== 0) throw new Error(`api run exited ${code}`);
            })
            : spawnRun(RUNTIMES[name].cmd('run', '--bundle', bTrue, `${prefix}-${i}`)));
        const perSec = N / (Number(process.hrtime.bigint() - t0) / 1e9);
        const key = `${via === 'api' ? 'tsrunc API' : name} P=${parallel}`;
        result.throughput[key] = Math.max(result.throughput[key] ?? 0, +perSec.toFixed(1));
      }
    }
  }
  result.machine.loadavgAtEnd = os.loadavg();
  summarise(result);
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  chart(result, active);
}

function summarise(r) {
  const floor = r.times.floor['node -e 0'].mean;
  const wrap = r.times.floor['crun wrapper running true']?.mean ?? 0;
  const harness = r.times.floor['spawn /bin/true (harness)'].mean;
  r.ratios = {};
  console.log(`load average ${r.machine.loadavgAtStart.map((x) => x.toFixed(1)).join(' ')}; means in ms over ${r.rounds} rounds`);
  console.log('case\t' + Object.keys(r.times.run).join('\t') + '\ttsrunc-floor\ttarget');
  for (const cse of ['state', 'start', 'kill', 'delete', 'create', 'cycle', 'run']) {
    const row = r.times[cse];
    if (!row) continue;
    const cells = Object.entries(row).map(([name, s]) => (name === 'crun' ? `${s.mean} (net ${(s.mean - wrap + harness).toFixed(1)})` : `${s.mean}`));
    const over = row.tsrunc.mean - floor;
    const target = cse === 'run' ? `${(row.tsrunc.mean / row.runc?.mean).toFixed(2)}x runc (<= 1.5x)`
      : cse === 'cycle' ? '' : `${over.toFixed(1)} vs runc ${row.runc?.mean} ${over <= row.runc?.mean ? 'MET' : 'missed'}`;
    r.ratios[cse] = { tsruncOverFloor: +over.toFixed(2), runc: row.runc?.mean, tsruncOverRunc: +(row.tsrunc.mean / row.runc?.mean).toFixed(2) };
    console.log(`${cse}\t${cells.join('\t')}\t${over.toFixed(1)}\t${target}`);
  }
  for (const [k, s] of Object.entries(r.times.floor)) console.log(`floor\t${k}\t${s.mean}`);
  for (const [k, v] of Object.entries(r.rss)) console.log(`peak RSS\t${k}\t${(v.peakKiB / 1024).toFixed(1)} MiB`);
  for (const [k, v] of Object.entries(r.throughput)) console.log(`throughput\t${k}\t${v}/s`);
}

function chart(r, active) {
  const cases = ['state', 'start', 'kill', 'delete', 'create', 'run'];
  const lines = cases.map((c) => [c, ...active.map((n) => r.times[c][n].mean)].join(' '));
  lines.push(['node-e-0', r.times.floor['node -e 0'].mean, ...active.slice(1).map(() => 0)].join(' '));
  fs.writeFileSync(path.join(work, 'times.dat'), lines.join('\n') + '\n');
  const tp = Object.entries(r.throughput).map(([k, v]) => `"${k}" ${v}`);
  fs.writeFileSync(path.join(work, 'tp.dat'), tp.join('\n') + '\n');
  const script = `
set terminal svg size 1000,420 font "sans,11"
set output "${path.join(__dirname, 'chart.svg')}"
set multiplot layout 1,2 title "tsrunc vs runc vs crun, one interleaved run (${r.date.slice(0, 16)}Z, load ${r.machine.loadavgAtStart[0].toFixed(1)})"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "ms per command (mean)"
set xtics rotate by -30
set key top left
plot ${active.map((n, i) => `"${path.join(work, 'times.dat')}" using ${i + 2}:xtic(1) title "${n}"`).join(', ')}
set ylabel "containers per second (run of /bin/true)"
unset key
set style fill solid 0.6 border -1
set boxwidth 0.7
plot "${path.join(work, 'tp.dat')}" using 0:2:xtic(1) with boxes lc rgb "#4477aa"
unset multiplot
`;
  const g = spawnSync('gnuplot', [], { input: script, encoding: 'utf8' });
  if (g.status !== 0) console.error(`bench: gnuplot failed (apt-get install gnuplot-nox): ${g.stderr}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const name of Object.keys(RUNTIMES)) {
      const root = path.join(work, `root-${name}`);
      if (!RUNTIMES[name].cmd || !fs.existsSync(root)) continue;
      for (const id of fs.readdirSync(root)) quiet(RUNTIMES[name].cmd('delete', '-f', id));
    }
    fs.rmSync(work, { recursive: true, force: true });
  });
