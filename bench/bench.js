#!/usr/bin/env node
// `npm run bench`: tsrunc, runc and crun side by side, in the same run, interleaved.
//
// Every round runs each case once per runtime, in a rotating order, so that load from the rest of
// the machine falls on all runtimes alike: only ratios within one run mean anything. The first
// WARMUP rounds are discarded. Cases (times are wall-clock of one command, spawned from here):
//   floors     `node -e 0` (NODE_EXTRA_CA_CERTS unset and set), `tsrunc --version`, /bin/true
//              (this harness's own spawn cost), and crun's cgroup2-hiding wrapper running true
//   create / start / delete   one /bin/true container, each command timed alone; `cycle` is
//              create + start + wait + delete: what a client does for a short job (the wait is
//              the harness watching the init's pid go, the same for every runtime)
//   state / exec / kill       on a running `sleep` container (exec: of /bin/true, in the foreground;
//              kill: signal 0), then `delete --force` of it (running)
//   cpu        every command runs under bench/prototypes/measure/rtime (fork, exec, wait4): its
//              wall time, and the CPU (user + sys) and peak RSS of it and every descendant it reaped
//   tsrunc     the native front-end setup puts on PATH (build/native/Release/tsrunc); tsrunc-node,
//              the Node entry (bin/tsrunc) alone, with --runtimes tsrunc,tsrunc-node,runc,crun
//   run        `run` of /bin/true (create + start + wait + delete in one command)
//   rss        the largest max-RSS of any process in the runtime's tree during `run`
//              (wait4's rusage covers every reaped descendant; GNU time -f %M)
//   throughput N containers (/bin/true) created, started, waited and deleted, at parallelism 1
//              and 8: through each CLI (`run`) and through tsrunc's in-process API
//              (new Runtime().run() in this process), containers per second; alternated, REPS
//              times each, the median reported
//
// crun 1.8 refuses hybrid cgroup hosts: it runs through bench/hide-cgroup2.sh (a private mount
// namespace with /sys/fs/cgroup/unified unmounted). That wrapper costs a fork of unshare and sh;
// its floor is measured and reported, and crun's figures are given raw and net of it. A runtime,
// or one case of it, that cannot run here is reported with its reason, never silently dropped.
//
// Output: bench/results.json, bench/chart.svg (gnuplot), the tables of bench/RESULTS.md between
// its `<!-- bench:begin -->` and `<!-- bench:end -->` markers, and a summary on stdout.
//   node bench/bench.js [--rounds N] [--warmup N] [--n N] [--reps N] [--runtimes tsrunc,runc,crun]
//   node bench/bench.js --render     only rewrite RESULTS.md's tables (and the chart) from results.json
// The same settings as environment variables: ROUNDS (default 15), WARMUP (3), N (50), REPS (3),
// RUNTIMES. The default run takes about 3-5 minutes on a quiet 2-core machine, <= 10 under load.
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const RESULTS_JSON = path.join(__dirname, 'results.json');
const RESULTS_MD = path.join(__dirname, 'RESULTS.md');
const CHART = path.join(__dirname, 'chart.svg');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  return process.env[name.toUpperCase()] ?? fallback;
}
const ROUNDS = Number(option('rounds', 15));
const WARMUP = Number(option('warmup', 3));
const N = Number(option('n', 50));
const REPS = Number(option('reps', 3));
const WANTED = String(option('runtimes', 'tsrunc,runc,crun')).split(',');

const noCa = { ...process.env };
delete noCa.NODE_EXTRA_CA_CERTS;

// tsrunc: the native front-end setup puts on PATH (build/native/Release/tsrunc), which answers
// state, start, kill and delete itself and hands everything else to Node; tsrunc-node: the Node
// entry alone (bin/tsrunc), for comparison (--runtimes tsrunc,tsrunc-node,runc,crun).
const FRONTEND = path.join(repo, 'build', 'native', 'Release', 'tsrunc');
const RUNTIMES = {
  tsrunc: { argv: [fs.existsSync(FRONTEND) ? FRONTEND : path.join(repo, 'bin', 'tsrunc')] },
  'tsrunc-node': { argv: [path.join(repo, 'bin', 'tsrunc')] },
  runc: { argv: ['runc'] },
  crun: { argv: [path.join(__dirname, 'hide-cgroup2.sh'), 'crun'] },
};

// The cases every round times, per runtime, and the targets of issue 12 they are held to.
const VERB_CASES = ['state', 'start', 'kill', 'exec', 'delete', 'delete --force', 'create'];
const CASES = [...VERB_CASES, 'cycle', 'run'];

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
}

let work;
let errFd;
const lastStderr = () => fs.readFileSync(path.join(work, 'stderr'), 'utf8').trim();

let rtime;
/** The CPU time (user + sys, ms) and peak RSS (KiB) of the last timed() command and its reaped descendants. */
let lastUsage = { cpu: 0, rssKiB: 0 };

/**
 * Runs argv once through bench/prototypes/measure/rtime (fork, exec, wait4: the wall time of the
 * command alone, and its rusage); returns milliseconds, or throws with stderr when it fails.
 */
function timed(argv, env = process.env) {
  // stderr goes to a file, never a pipe: a created container inherits it, and a pipe would keep
  // spawnSync waiting until the container exits. rtime reports on fd 3, a pipe it closes at exit.
  fs.ftruncateSync(errFd, 0);
  const r = spawnSync(rtime, argv, { stdio: ['ignore', 'ignore', errFd, 'pipe'], env, cwd: work, encoding: 'utf8' });
  const [wallUs, userUs, sysUs, rssKiB, status] = String(r.output[3] ?? '').trim().split(' ').map(Number);
  if (r.status !== 0 || status !== 0) throw new Error(`${argv.join(' ')}: exit ${status ?? r.status ?? r.signal}: ${lastStderr()}`);
  lastUsage = { cpu: (userUs + sysUs) / 1000, rssKiB };
  return wallUs / 1000;
}

function quiet(argv) {
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', cwd: work });
}

/** Waits until `pid` has exited (gone, or a zombie its new parent has not reaped yet). */
function waitExit(pid, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not exit within ${timeoutMs} ms`);
    Atomics.wait(nap, 0, 0, 0.2);
  }
}

function makeBundle(name, args) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'default', 'config.json'), 'utf8'));
  config.process.args = args;
  config.process.terminal = false;
  config.root.path = path.join(repo, 'bundles', 'default', 'rootfs');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { mean: +mean.toFixed(2), median: +s[Math.floor(s.length / 2)].toFixed(2), min: +s[0].toFixed(2), sd: +sd.toFixed(2), n: s.length };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

/** One round of every per-command case for one runtime; a case that fails is reported and dropped. */
function roundFor(name, round, bundles, failed) {
  const { cmd } = RUNTIMES[name];
  const id = `bench-${name}-${round}`;
  const t = {};
  const step = (cse, argv, then) => {
    if (failed[cse]) return false;
    try {
      const ms = timed(argv);
      if (then) then();
      t[cse] = ms;
      t[`cpu ${cse}`] = lastUsage.cpu;
      t[`rss ${cse}`] = lastUsage.rssKiB;
      return true;
    } catch (e) {
      failed[cse] = String(e.message);
      return false;
    }
  };
  // create, start, wait, delete: a short job, as a client runs it.
  const pidFile = path.join(work, `${id}-a.pid`);
  if (step('create', cmd('create', '--pid-file', pidFile, '--bundle', bundles.true, `${id}-a`))) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (step('start', cmd('start', `${id}-a`))) {
      const t0 = process.hrtime.bigint();
      waitExit(pid);
      const waited = Number(process.hrtime.bigint() - t0) / 1e6;
      if (step('delete', cmd('delete', `${id}-a`))) t.cycle = t.create + t.start + waited + t.delete;
    }
  }
  quiet(cmd('delete', '--force', `${id}-a`));
  // state, exec, kill on a running container.
  quiet(cmd('create', '--bundle', bundles.sleep, `${id}-b`));
  quiet(cmd('start', `${id}-b`));
  step('state', cmd('state', `${id}-b`));
  step('exec', cmd('exec', `${id}-b`, '/bin/true'));
  step('kill', cmd('kill', `${id}-b`, '0')); // "is it alive?": the container stays for delete --force
  step('delete --force', cmd('delete', '--force', `${id}-b`));
  quiet(cmd('delete', '--force', `${id}-b`));
  step('run', cmd('run', '--bundle', bundles.true, `${id}-c`));
  quiet(cmd('delete', '--force', `${id}-c`));
  return t;
}

async function measure() {
  work = fs.mkdtempSync('/var/tmp/tsrunc-bench-');
  rtime = path.join(work, 'rtime');
  execFileSync('cc', ['-O2', '-o', rtime, path.join(__dirname, 'prototypes', 'measure', 'rtime.c')]);
  errFd = fs.openSync(path.join(work, 'stderr'), 'a+'); // O_APPEND: after a truncate, writes start at 0 again
  const started = Date.now();
  const bundles = { true: makeBundle('true', ['/bin/true']), sleep: makeBundle('sleep', ['sleep', '1000']) };
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release(), node: process.version, loadavgAtStart: os.loadavg() },
    versions: {},
    skipped: {},
    failed: {},
    rounds: ROUNDS,
    warmup: WARMUP,
    n: N,
    reps: REPS,
    times: {},
    cpu: {},
    verbRssKiB: {},
    rss: {},
    throughput: {},
  };

  // Which runtimes can run here; each one that cannot is reported with its reason.
  const active = [];
  for (const name of WANTED) {
    const rt = RUNTIMES[name];
    if (!rt) throw new Error(`unknown runtime ${name} (${Object.keys(RUNTIMES).join(', ')})`);
    if (!name.startsWith('tsrunc') && !which(name)) {
      result.skipped[name] = 'not installed';
      continue;
    }
    const root = path.join(work, `root-${name}`);
    rt.cmd = (...args) => [...rt.argv, '--root', root, ...args];
    try {
      result.versions[name] = execFileSync(rt.argv[0], [...rt.argv.slice(1), '--version'], { encoding: 'utf8', env: noCa }).split('\n')[0];
      timed(rt.cmd('run', '--bundle', bundles.true, `probe-${name}`));
      active.push(name);
    } catch (e) {
      result.skipped[name] = String(e.message).trim();
      quiet(rt.cmd('delete', '-f', `probe-${name}`));
    }
  }
  for (const [name, why] of Object.entries(result.skipped)) console.error(`bench: ${name} skipped: ${why}`);

  const samples = {};
  const add = (key, ms) => (samples[key] ??= []).push(ms);
  const floors = {
    'node -e 0': [['node', '-e', '0'], noCa],
    'node -e 0 (NODE_EXTRA_CA_CERTS set)': [['node', '-e', '0'], process.env],
    'tsrunc --version': [[RUNTIMES.tsrunc.argv[0], '--version'], process.env],
    'spawn /bin/true (harness)': [['/bin/true'], process.env],
    'crun wrapper running true': [[path.join(__dirname, 'hide-cgroup2.sh'), 'true'], process.env],
  };
  const failed = Object.fromEntries(active.map((n) => [n, {}]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const keep = round >= WARMUP;
    for (const [name, [argv, env]] of Object.entries(floors)) {
      const ms = timed(argv, env);
      if (keep) add(`floor\t${name}`, ms);
      if (keep) add(`cpu floor\t${name}`, lastUsage.cpu);
    }
    for (const name of active.map((_, i) => active[(i + round) % active.length])) {
      const t = roundFor(name, round, bundles, failed[name]);
      if (keep) for (const [k, ms] of Object.entries(t)) add(`${k}\t${name}`, ms);
    }
    // Progress only on a terminal: a log of the run gets the summary alone.
    if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${round + 1}/${WARMUP + ROUNDS}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const [key, xs] of Object.entries(samples)) {
    const [cse, name] = key.split('\t');
    if (cse.startsWith('cpu ')) (result.cpu[cse.slice(4)] ??= {})[name] = stats(xs);
    else if (cse.startsWith('rss ')) (result.verbRssKiB[cse.slice(4)] ??= {})[name] = Math.max(...xs);
    else (result.times[cse] ??= {})[name] = stats(xs);
  }
  for (const [name, cases] of Object.entries(failed)) if (Object.keys(cases).length > 0) result.failed[name] = cases;

  // Peak RSS of the runtime's process tree during `run` (max over 5 runs).
  for (const name of active) {
    let peak = 0;
    for (let i = 0; i < 5; i++) {
      fs.ftruncateSync(errFd, 0);
      spawnSync('/usr/bin/time', ['-f', '%M', ...RUNTIMES[name].cmd('run', '--bundle', bundles.true, `rss-${name}-${i}`)],
        { stdio: ['ignore', 'ignore', errFd], cwd: work });
      peak = Math.max(peak, Number(lastStderr().split('\n').pop()));
    }
    result.rss[name] = { peakKiB: peak };
  }
  {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'node', '-e', '0'], { encoding: 'utf8', env: noCa });
    result.rss['node -e 0'] = { peakKiB: Number(r.stderr.trim().split('\n').pop()) };
  }

  // Throughput: N containers at P=1 and P=8; the CLIs and the in-process API, alternated by rep.
  const { Runtime } = require(path.join(repo, 'dist', 'index.js'));
  const api = new Runtime({ root: path.join(work, 'root-api') });
  const apiOptions = { bundle: bundles.true, stdio: ['ignore', 'ignore', errFd] };
  const targets = [...active.map((name) => ['cli', name]), ['api', 'tsrunc']];
  const rates = {};
  const apiCpu = {};
  for (const parallel of [1, 8]) {
    for (let rep = 0; rep < REPS + 1; rep++) { // rep 0 warms up
      for (const [via, name] of rep % 2 ? [...targets].reverse() : targets) {
        const key = `${via === 'api' ? 'tsrunc API' : name} P=${parallel}`;
        const prefix = `tp-${via}-${name}-${parallel}-${rep}`;
        const cpu0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        try {
          await pool(N, parallel, (i) =>
            via === 'api'
              ? api.run(`${prefix}-${i}`, apiOptions).then((code) => {
                if (code !== 0) throw new Error(`api run exited ${code}: ${lastStderr()}`);
              })
              : spawnRun(RUNTIMES[name].cmd('run', '--bundle', bundles.true, `${prefix}-${i}`)));
        } catch (e) {
          (result.failed[via === 'api' ? 'tsrunc API' : name] ??= {})[`throughput P=${parallel}`] = String(e.message);
          continue;
        }
        const perSec = N / (Number(process.hrtime.bigint() - t0) / 1e9);
        const cpu = process.cpuUsage(cpu0);
        if (rep === 0) continue;
        (rates[key] ??= []).push(+perSec.toFixed(1));
        if (via === 'api') (apiCpu[key] ??= []).push((cpu.user + cpu.system) / 1000 / N);
      }
    }
  }
  for (const [key, xs] of Object.entries(rates)) result.throughput[key] = { median: median(xs), samples: xs };
  // This process's own CPU per API container (its main thread and libuv's pool): what bounds it.
  result.apiCpuMsPerContainer = Object.fromEntries(Object.entries(apiCpu).map(([k, xs]) => [k, +median(xs).toFixed(2)]));
  result.machine.loadavgAtEnd = os.loadavg();
  result.durationSeconds = Math.round((Date.now() - started) / 1000);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reporting: stdout, RESULTS.md's generated tables, chart.svg. All from results.json alone.

const mib = (kib) => (kib / 1024).toFixed(1);
const tp = (r, key) => r.throughput[key]?.median ?? r.throughput[key]; // older results.json: a number

function verdict(ok) {
  return ok === undefined ? '-' : ok ? 'yes' : 'no';
}

/** Issue 12's targets, each with this run's figures and whether it was reached. */
function targets(r) {
  const floor = r.times.floor?.['node -e 0']?.mean;
  const rows = [];
  for (const cse of VERB_CASES) {
    const ts = r.times[cse]?.tsrunc?.mean;
    const runc = r.times[cse]?.runc?.mean;
    if (ts === undefined || runc === undefined || floor === undefined) {
      rows.push([`\`${cse}\`: tsrunc - floor <= runc`, 'not measured in this run', '-']);
      continue;
    }
    rows.push([`\`${cse}\`: tsrunc - floor <= runc`, `${(ts - floor).toFixed(1)} vs ${runc}`, verdict(ts - floor <= runc)]);
  }
  const run = r.times.run;
  if (run?.tsrunc && run?.runc) {
    const ratio = run.tsrunc.mean / run.runc.mean;
    rows.push(['`run` <= 1.5x runc', `${ratio.toFixed(2)}x`, verdict(ratio <= 1.5)]);
    rows.push(['`run` at runc parity (moonshot)', `${ratio.toFixed(2)}x`, verdict(ratio <= 1)]);
  }
  if (r.rss.tsrunc) rows.push(['peak RSS during `run` <= 40 MiB', `${mib(r.rss.tsrunc.peakKiB)} MiB`, verdict(r.rss.tsrunc.peakKiB <= 40 * 1024)]);
  for (const p of [1, 8]) {
    const api = tp(r, `tsrunc API P=${p}`);
    const crun = tp(r, `crun P=${p}`);
    const runc = tp(r, `runc P=${p}`);
    if (api === undefined) continue;
    const parts = [`${api}/s`];
    if (crun !== undefined) parts.push(`crun ${crun}/s`);
    if (runc !== undefined) parts.push(`runc ${runc}/s (${(api / runc).toFixed(2)}x)`);
    const ok = crun === undefined || runc === undefined ? undefined : api > crun && api >= 2 * runc;
    rows.push([`API P=${p} > crun CLI P=${p} and >= 2x runc P=${p}`, parts.join(' vs '), verdict(ok)]);
  }
  return rows;
}

/** Issue 25's targets: [target, this run's figures, reached?] rows. */
function issue25Targets(r) {
  const med = (cse, n) => r.times[cse]?.[n]?.median;
  const cpu = (cse, n) => r.cpu?.[cse]?.[n]?.median;
  const f = (x) => (x === undefined ? '-' : x.toFixed(1));
  const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);
  const wrap = r.times.floor?.['crun wrapper running true']?.median ?? 0;
  const harnessFloor = r.times.floor?.['spawn /bin/true (harness)']?.median ?? 0;
  const crunNet = (x) => (x === undefined ? undefined : x - wrap + harnessFloor);
  const p8 = (n) => tp(r, `${n} P=8`);
  const rss = (n) => r.rss[n]?.peakKiB;
  const vr = (n) => Math.max(...['state', 'start', 'kill', 'delete'].map((c) => r.verbRssKiB?.[c]?.[n] ?? 0));
  const targets = [];
  for (const cse of ['state', 'start', 'kill', 'delete', 'delete --force']) {
    const [w, c, rw, rc, cw, cc] = [med(cse, 'tsrunc'), cpu(cse, 'tsrunc'), med(cse, 'runc'), cpu(cse, 'runc'), crunNet(med(cse, 'crun')), cpu(cse, 'crun')];
    if (w === undefined || rw === undefined) continue;
    targets.push([`\`${cse}\`: wall and CPU <= runc`, `${f(w)} / ${f(c)} vs ${f(rw)} / ${f(rc)}`, verdict(w <= rw && c <= rc)]);
    if (cw !== undefined) targets.push([`\`${cse}\`: wall and CPU <= crun (moonshot; crun net of its wrapper)`, `${f(w)} / ${f(c)} vs ${f(cw)} / ${f(cc)}`, verdict(w <= cw && c <= cc)]);
  }
  const floor = r.times.floor?.['node -e 0']?.median;
  if (med('create', 'tsrunc') !== undefined && med('create', 'runc') !== undefined && floor !== undefined) {
    const own = med('create', 'tsrunc') - floor;
    targets.push(['`create` - `node -e 0` <= runc `create` / 2', `${f(own)} vs ${f(med('create', 'runc') / 2)}`, verdict(own <= med('create', 'runc') / 2)]);
  }
  if (med('run', 'tsrunc') !== undefined && med('run', 'runc') !== undefined) {
    targets.push(['`run` <= 1.5x runc', ratio(med('run', 'tsrunc'), med('run', 'runc')), verdict(med('run', 'tsrunc') <= 1.5 * med('run', 'runc'))]);
    targets.push(['CPU per `run` <= 1.5x runc', ratio(cpu('run', 'tsrunc'), cpu('run', 'runc')), verdict(cpu('run', 'tsrunc') <= 1.5 * cpu('run', 'runc'))]);
  }
  if (p8('tsrunc') !== undefined && p8('runc') !== undefined) targets.push(['CLI throughput at P=8 >= 0.6x runc', ratio(p8('tsrunc'), p8('runc')), verdict(p8('tsrunc') >= 0.6 * p8('runc'))]);
  if (rss('tsrunc')) targets.push(['peak RSS of `run` <= 40 MiB', `${mib(rss('tsrunc'))} MiB`, verdict(rss('tsrunc') <= 40 * 1024)]);
  if (vr('runc') > 0) targets.push(['the front-end verbs\' RSS <= runc\'s', `${mib(vr('tsrunc'))} vs ${mib(vr('runc'))} MiB`, verdict(vr('tsrunc') <= vr('runc'))]);
  return targets;
}

/**
 * Issue 25's table (medians, side by side in this run) and its targets: the front-end's verbs at
 * runc's wall time and CPU or below, `create` beyond Node's floor at half of runc's, `run` and its
 * CPU within 1.5x runc, CLI throughput at P=8 >= 0.6x runc, RSS.
 */
function issue25(r) {
  const med = (cse, n) => r.times[cse]?.[n]?.median;
  const cpu = (cse, n) => r.cpu?.[cse]?.[n]?.median;
  const f = (x) => (x === undefined ? '-' : x.toFixed(1));
  const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);
  const wrap = r.times.floor?.['crun wrapper running true']?.median ?? 0;
  const harnessFloor = r.times.floor?.['spawn /bin/true (harness)']?.median ?? 0;
  const crunNet = (x) => (x === undefined ? undefined : x - wrap + harnessFloor);
  const rows = [];
  for (const cse of ['state', 'start', 'kill', 'delete', 'delete --force', 'create', 'run']) {
    rows.push([`\`${cse}\``, f(med(cse, 'runc')), `${f(med(cse, 'crun'))} (${f(crunNet(med(cse, 'crun')))})`, f(med(cse, 'tsrunc')), ratio(med(cse, 'tsrunc'), med(cse, 'runc'))]);
  }
  for (const cse of ['state', 'start', 'kill', 'delete', 'delete --force', 'create', 'run']) {
    rows.push([`CPU (user+sys) per \`${cse}\``, f(cpu(cse, 'runc')), f(cpu(cse, 'crun')), f(cpu(cse, 'tsrunc')), ratio(cpu(cse, 'tsrunc'), cpu(cse, 'runc'))]);
  }
  const p8 = (n) => tp(r, `${n} P=8`);
  rows.push(['CLI throughput, P=8 (/s)', `${p8('runc') ?? '-'}`, `${p8('crun') ?? '-'}`, `${p8('tsrunc') ?? '-'}`, ratio(p8('tsrunc'), p8('runc'))]);
  const rss = (n) => r.rss[n]?.peakKiB;
  rows.push(['peak RSS of `run` (MiB)', rss('runc') ? mib(rss('runc')) : '-', rss('crun') ? mib(rss('crun')) : '-', rss('tsrunc') ? mib(rss('tsrunc')) : '-', '']);
  const vr = (n) => Math.max(...['state', 'start', 'kill', 'delete'].map((c) => r.verbRssKiB?.[c]?.[n] ?? 0));
  rows.push(['peak RSS of state/start/kill/delete (MiB)', mib(vr('runc')), mib(vr('crun')), mib(vr('tsrunc')), '']);
  rows.push(['`node -e 0`', '', '', f(r.times.floor?.['node -e 0']?.median), '']);
  const out = [table(['command (median ms)', 'runc', 'crun raw (net of wrapper)', 'tsrunc', 'tsrunc / runc'], rows)];

  out.push('', '### Targets of issue 25', '', table(['target', 'this run (tsrunc vs other: wall / CPU, ms)', 'reached?'], issue25Targets(r)));
  return out.join('\n');
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The generated part of RESULTS.md (between the markers). */
function renderMarkdown(r) {
  const names = Object.keys(r.versions).filter((n) => r.times.run?.[n] || r.times.state?.[n]);
  const floor = r.times.floor?.['node -e 0']?.mean;
  const wrap = r.times.floor?.['crun wrapper running true']?.mean ?? 0;
  const harness = r.times.floor?.['spawn /bin/true (harness)']?.mean ?? 0;
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  const out = [];
  out.push(`**Machine**: ${r.machine.cpus} vCPUs (${r.machine.model}), Linux ${r.machine.kernel}, Node ${r.machine.node}. ` +
    `**Date**: ${r.date}. **Load average** at start ${load(r.machine.loadavgAtStart)}, at end ${load(r.machine.loadavgAtEnd ?? [])}. ` +
    `${r.rounds} rounds after ${r.warmup} warm-up rounds${r.durationSeconds ? `; the run took ${r.durationSeconds} s` : ''}.`);
  out.push(`**Versions**: ${Object.values(r.versions).join('; ')}.`);
  const missing = [...Object.entries(r.skipped ?? {}).map(([n, why]) => `- **${n}** did not run here: ${why}`),
    ...Object.entries(r.failed ?? {}).flatMap(([n, cases]) => Object.entries(cases).map(([c, why]) => `- **${n}** \`${c}\` failed, left out: ${why.split('\n')[0]}`))];
  if (missing.length > 0) out.push('', '**Not measured**:', '', ...missing);
  out.push('', '### Per command (means, ms)', '');
  const header = ['case', ...names.map((n) => (n === 'crun' ? 'crun raw (net of wrapper)' : n)), 'tsrunc - `node -e 0`'];
  const rows = CASES.filter((c) => r.times[c]).map((c) => [
    c,
    ...names.map((n) => {
      const s = r.times[c][n];
      if (!s) return '-';
      return n === 'crun' ? `${s.mean} (${(s.mean - wrap + harness).toFixed(1)})` : `${s.mean}`;
    }),
    r.times[c].tsrunc && floor !== undefined ? (r.times[c].tsrunc.mean - floor).toFixed(1) : '-',
  ]);
  for (const [k, s] of Object.entries(r.times.floor ?? {})) rows.push([`floor: ${k}`, `${s.mean}`, ...names.slice(1).map(() => ''), '']);
  out.push(table(header, rows));
  out.push('', '`cycle` = create + start + wait for the exit + delete (4 commands, plus the harness watching the pid). Medians, minimums and spreads are in results.json.');
  out.push('', '### Peak RSS during `run` (largest process of the tree)', '');
  out.push(table(Object.keys(r.rss), [Object.values(r.rss).map((v) => `${mib(v.peakKiB)} MiB`)]));
  const reps = r.reps ? `median of ${r.reps} alternated reps of ${r.n} containers` : 'best of 2 reps of 50 containers';
  out.push('', `### Throughput: containers/s (/bin/true, created, started, waited and deleted; ${reps})`, '');
  const tpNames = [...names, 'tsrunc API'];
  out.push(table(['parallelism', ...tpNames.map((n) => (n === 'tsrunc' ? 'tsrunc CLI' : n))],
    [1, 8].map((p) => [`P=${p}`, ...tpNames.map((n) => `${tp(r, `${n} P=${p}`) ?? '-'}`)])));
  if (r.apiCpuMsPerContainer) {
    out.push('', `The API's own process (main thread + libuv pool) spent ${Object.entries(r.apiCpuMsPerContainer).map(([k, v]) => `${v} ms CPU per container at ${k.split(' ').pop()}`).join(', ')}.`);
  }
  if (r.cpu) out.push('', '### Issue 25: the CLI side by side (medians; wall time and CPU of each command from wait4)', '', issue25(r));
  out.push('', '### Targets of issue 12', '');
  out.push(table(['target', 'this run', 'reached?'], targets(r)));
  return out.join('\n');
}

function writeResultsMd(r) {
  const begin = '<!-- bench:begin (generated by bench/bench.js from results.json: do not edit by hand) -->';
  const end = '<!-- bench:end -->';
  const generated = `${begin}\n${renderMarkdown(r)}\n${end}`;
  let text = fs.existsSync(RESULTS_MD) ? fs.readFileSync(RESULTS_MD, 'utf8') : '# Benchmark results (issue 12)\n';
  const a = text.indexOf('<!-- bench:begin');
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + generated + text.slice(b + end.length) : `${text.trimEnd()}\n\n${generated}\n`;
  fs.writeFileSync(RESULTS_MD, text);
}

/** Quiet: what was written, and each of issue 25's targets with this run's figures (the tables are in RESULTS.md). */
function summarise(r) {
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(`bench: load average ${load(r.machine.loadavgAtStart)} at the start, ${load(r.machine.loadavgAtEnd)} at the end; wrote bench/results.json and the tables of bench/RESULTS.md`);
  for (const [target, figures, reached] of issue25Targets(r)) console.log(`  ${reached === 'yes' ? 'reached' : 'NOT reached'}: ${target.replace(/`/g, '')}: ${figures}`);
}

function chart(r) {
  const names = Object.keys(r.versions).filter((n) => r.times.run?.[n]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-chart-'));
  try {
    const lines = CASES.filter((c) => r.times[c]).map((c) => [c, ...names.map((n) => r.times[c][n]?.mean ?? 0)].join(' '));
    lines.push(['node-e-0', r.times.floor['node -e 0'].mean, ...names.slice(1).map(() => 0)].join(' '));
    fs.writeFileSync(path.join(dir, 'times.dat'), lines.join('\n') + '\n');
    const tpNames = [...names, 'tsrunc API'];
    const tpLines = [1, 8].map((p) => [`P=${p}`, ...tpNames.map((n) => tp(r, `${n} P=${p}`) ?? 0)].join(' '));
    fs.writeFileSync(path.join(dir, 'tp.dat'), tpLines.join('\n') + '\n');
    const script = `
set terminal svg size 1100,440 font "sans,11"
set output "${CHART}"
set multiplot layout 1,2 title "tsrunc vs runc vs crun, one interleaved run (${r.date.slice(0, 16)}Z, load ${r.machine.loadavgAtStart[0].toFixed(1)})"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "ms per command (mean)"
set xtics rotate by -30
set key top left
plot ${names.map((n, i) => `"${path.join(dir, 'times.dat')}" using ${i + 2}:xtic(1) title "${n}"`).join(', ')}
set ylabel "containers per second (/bin/true, median)"
set xtics norotate
plot ${tpNames.map((n, i) => `"${path.join(dir, 'tp.dat')}" using ${i + 2}:xtic(1) title "${n === 'tsrunc' ? 'tsrunc CLI' : n}"`).join(', ')}
unset multiplot
`;
    const g = spawnSync('gnuplot', [], { input: script, encoding: 'utf8' });
    if (g.status !== 0) console.error(`bench: gnuplot failed (apt-get install gnuplot-nox): ${g.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function cleanUp() {
  if (!work) return;
  for (const name of Object.keys(RUNTIMES)) {
    const root = path.join(work, `root-${name}`);
    if (!RUNTIMES[name].cmd || !fs.existsSync(root)) continue;
    for (const id of fs.readdirSync(root)) quiet(RUNTIMES[name].cmd('delete', '-f', id));
  }
  const apiRoot = path.join(work, 'root-api');
  if (fs.existsSync(apiRoot)) for (const id of fs.readdirSync(apiRoot)) quiet([RUNTIMES.tsrunc.argv[0], '--root', apiRoot, 'delete', '-f', id]);
  // Nothing is mounted under work (containers mount in their own namespaces), so rm is safe.
  fs.rmSync(work, { recursive: true, force: true });
  // crun 1.8 chowns the host's /dev/null in user-namespaced containers; none runs here, but a
  // bench must never leave the host changed: check, and say so if it was.
  const st = fs.statSync('/dev/null');
  if (st.uid !== 0 || st.gid !== 0 || (st.mode & 0o777) !== 0o666) {
    console.error(`bench: /dev/null was changed to ${st.uid}:${st.gid} ${(st.mode & 0o777).toString(8)}; restoring 0:0 666`);
    fs.chownSync('/dev/null', 0, 0);
    fs.chmodSync('/dev/null', 0o666);
  }
}

async function main() {
  if (process.argv.includes('--render')) {
    const r = JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
    writeResultsMd(r);
    chart(r);
    summarise(r);
    return;
  }
  let r;
  try {
    r = await measure();
  } finally {
    cleanUp();
  }
  fs.writeFileSync(RESULTS_JSON, JSON.stringify(r, null, 2) + '\n');
  summarise(r);
  writeResultsMd(r);
  chart(r);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
