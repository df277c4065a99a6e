#!/usr/bin/env node
// Where tsrunc's time goes, from V8's CPU profiler (self time per function, largest first).
//
//   node bench/profile.js --root /tmp/r state ID     a CLI command: runs `bin/tsrunc ARGS...` RUNS
//                                                    times (default 5) under `node --cpu-prof`
//                                                    (NODE_EXTRA_CA_CERTS dropped, as bin/tsrunc
//                                                    does); figures per run
//   node bench/profile.js --api [P] [N]              the in-process API: N containers (default 100)
//                                                    of /bin/true through Runtime.run() at
//                                                    parallelism P (default 8), profiled in one
//                                                    process; figures per container, one table per
//                                                    thread (main, workers), idle included: a main
//                                                    thread that is never idle is what bounds it;
//                                                    first, each thread's CPU time per container
//                                                    (/proc: what the samples' wall time spent on a
//                                                    CPU). tsrunc-init's share: perf stat of the tree
// bench/RESULTS.md quotes its output.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const { NODE_FLAGS } = require('../bin/tsrunc');
const TOP = Number(process.env.TOP ?? 15);

// INCLUSIVE=1: time per function including what it calls (each function counted once per sample
// however often it is on the stack), e.g. how much of `run` is loading the bundle, validating or
// waiting; otherwise self time.
const INCLUSIVE = process.env.INCLUSIVE === '1';

/** Self (or inclusive) time per function in the given .cpuprofile files, in ms, divided by `per`. */
function report(files, per, unit) {
  const self = new Map();
  let total = 0;
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(f, 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map(p.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id])));
    const keyOf = (node) => `${node.callFrame.url.split('/').slice(-2).join('/') || '(native)'} ${node.callFrame.functionName || '(top level)'}`;
    p.samples.forEach((s, i) => {
      const keys = new Set([keyOf(byId.get(s))]);
      for (let id = parent.get(s); INCLUSIVE && id !== undefined; id = parent.get(id)) keys.add(keyOf(byId.get(id)));
      for (const key of keys) self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
      total += p.timeDeltas[i] ?? 0;
    });
  }
  const idle = self.get('(native) (idle)') ?? 0;
  console.log(`${(total / 1000 / per).toFixed(1)} ms sampled per ${unit} (incl. idle ${(idle / 1000 / per).toFixed(2)} ms: ${(100 * idle / total).toFixed(0)}% idle)`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${(us / 1000 / per).toFixed(2).padStart(6)} ms  ${k}`);
  }
}

const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-prof-'));
try {
  if (process.argv[2] === '--api') {
    const parallel = Number(process.argv[3] ?? 8);
    const n = Number(process.argv[4] ?? 100);
    const work = fs.mkdtempSync('/var/tmp/tsrunc-prof-api-');
    const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'default', 'config.json'), 'utf8'));
    config.process.args = ['/bin/true'];
    config.process.terminal = false;
    config.root.path = path.join(repo, 'bundles', 'default', 'rootfs');
    fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(config));
    // A warm-up batch first (module loading, the first sealed copy), not profiled apart from it.
    const script = `
      const fs = require('node:fs');
      const { Runtime } = require(${JSON.stringify(path.join(repo, 'dist', 'index.js'))});
      const api = new Runtime({ root: ${JSON.stringify(path.join(work, 'root'))} });
      const batch = async (tag, n, p) => { let next = 0; await Promise.all(Array.from({ length: p }, async () => {
        while (next < n) { const i = next++; const code = await api.run(tag + i, { bundle: ${JSON.stringify(work)}, stdio: ['ignore', 'ignore', 'ignore'] });
          if (code !== 0) throw new Error('exit ' + code); } })); };
      // CPU time per container of each thread (utime + stime in /proc, 10 ms ticks): sampled
      // profiles count wall time, which on a loaded host includes waiting for a CPU.
      const threads = () => Object.fromEntries(fs.readdirSync('/proc/self/task').map((t) => {
        let f = [];
        try {
          const stat = fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
          f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        } catch {} // a thread that ended meanwhile
        return [t === String(process.pid) ? 'main' : t, (Number(f[11] ?? 0) + Number(f[12] ?? 0)) * 10];
      }));
      let before;
      batch('w', ${parallel}, ${parallel}).then(() => { before = threads(); return batch('c', ${n}, ${parallel}); }).then(() => {
        const after = threads();
        const main = (after.main - before.main) / ${n};
        const rest = Object.keys(after).filter((k) => k !== 'main').reduce((a, k) => a + after[k] - (before[k] ?? 0), 0) / ${n};
        console.log('CPU per container: main thread ' + main.toFixed(2) + ' ms, other threads (cgroup worker, libuv pool, V8) ' + rest.toFixed(2) + ' ms');
      }).catch((e) => { console.error(e); process.exitCode = 1; });`;
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', '-e', script], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    fs.rmSync(work, { recursive: true, force: true });
    if (r.status !== 0) process.exit(1);
    // One profile per thread: the main thread's is the one written first (thread id 0).
    for (const f of fs.readdirSync(dir).sort()) {
      console.log(`== ${/\.0\.\d+\.cpuprofile$/.test(f) ? 'main thread' : 'worker thread'} (${f})`);
      report([path.join(dir, f)], n + parallel, 'container');
    }
  } else {
    const runs = Number(process.env.RUNS ?? 5);
    const bin = path.join(repo, 'bin', 'tsrunc');
    for (let i = 0; i < runs; i++) {
      // bin/tsrunc's own V8 flags: V8 rejects its code caches under others.
      spawnSync(process.execPath, [...NODE_FLAGS, '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '50', bin, ...process.argv.slice(2)],
        { env, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    report(fs.readdirSync(dir).map((f) => path.join(dir, f)), runs, 'run');
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
