#!/usr/bin/env node
'use strict';
// OCI runtime-spec conformance: every clause test against every runtime asked for.
//   npm run conformance -- [--runtimes tsrunc,runc,crun,/path/to/runtime] [--filter TEXT] [--jobs N] [--no-report] [--ci]
// Prints a line a test and `N passed, M failed, K skipped` per runtime; writes REPORT.md and
// report.json next to this file (unless --filter or --no-report: a partial run keeps the full report).
// Exit status: 0 unless --ci and tsrunc failed a clause that is not one of its deliberate
// differences (`deliberate: true`, each explained in its note): the other runtimes' failures are
// reported, never blocking.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { resolveRuntime, runtimeVersion, isHybridHost } = require('./lib/runtimes');
const { Sandbox, Skip, Failure } = require('./lib/sandbox');
const { writeReports, totals } = require('./lib/report');

const SPEC_FILES = ['runtime.md', 'config.md', 'config-linux.md', 'features.md'];

function parseArgs(argv) {
  const opts = { runtimes: ['tsrunc', 'runc', 'crun'], filter: null, jobs: 4, report: true, ci: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--runtimes') opts.runtimes = value().split(',').filter(Boolean);
    else if (a === '--filter') opts.filter = value();
    else if (a === '--jobs') opts.jobs = Math.max(1, Number(value()));
    else if (a === '--no-report') opts.report = false;
    else if (a === '--ci') opts.ci = true;
    else throw new Error(`unknown argument ${a} (see conformance/run.js)`);
  }
  return opts;
}

/** Builds the probe when it is missing or older than its source. */
function buildProbe() {
  const src = path.join(__dirname, 'probe/probe.c');
  const bin = path.join(__dirname, 'probe/probe');
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', bin, src], { stdio: 'inherit' });
  }
  return bin;
}

async function runOne(test, runtime, probe) {
  const sandbox = new Sandbox(runtime, probe);
  const started = Date.now();
  let result;
  try {
    await test.test(sandbox);
    result = { status: 'pass', message: '' };
  } catch (e) {
    if (e instanceof Skip) result = { status: 'skip', message: e.message };
    else if (e instanceof Failure) result = { status: 'fail', message: e.message };
    else result = { status: 'fail', message: `harness error: ${e.stack}` };
  }
  const problems = await sandbox.cleanup();
  if (problems.length) result = { status: 'fail', message: `${result.message} [after the test: ${problems.join('; ')}]`.trim() };
  return { ...result, ms: Date.now() - started };
}

/** Runs fn over items with at most `jobs` at once, calling report(item, result) in item order. */
async function pool(items, jobs, fn, report) {
  const results = new Array(items.length);
  const done = new Array(items.length).fill(false);
  let next = 0;
  let printed = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
      done[i] = true;
      while (printed < items.length && done[printed]) { report(items[printed], results[printed]); printed++; }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid() !== 0) throw new Error('the conformance suite runs real containers: run it as root');
  const probe = buildProbe();
  let tests = SPEC_FILES.flatMap((f) => require(`./clauses/${f.replace(/\.md$/, '')}`));
  tests.forEach((t, i) => { t.n = i + 1; });
  if (opts.filter) tests = tests.filter((t) => `${t.file} ${t.heading} ${t.name}`.includes(opts.filter));
  const runtimes = opts.runtimes.map(resolveRuntime);
  const rows = tests.map((t) => ({ ...t, results: {} }));
  const summary = [];
  for (const runtime of runtimes) {
    runtime.version = runtimeVersion(runtime);
    console.log(`\n== ${runtime.label} (${runtime.version})${runtime.note ? `\n   ${runtime.note}` : ''}`);
    const started = Date.now();
    const print = (t, r) => {
      const why = r.message ? ` - ${r.message.split('\n')[0].slice(0, 160)}` : '';
      console.log(`${r.status.padEnd(4)} ${String(t.n).padStart(3)} ${t.file} ${t.heading}: ${t.name}${why}`);
    };
    // Tests that can change the host (`serial`, see lib/sandbox.js hostDevices) run alone, so
    // that a change is blamed on the test that made it.
    const parallel = tests.filter((t) => !t.serial);
    const serial = tests.filter((t) => t.serial);
    const results = [
      ...await pool(parallel, opts.jobs, (t) => runOne(t, runtime, probe), print),
      ...await pool(serial, 1, (t) => runOne(t, runtime, probe), print),
    ];
    [...parallel, ...serial].forEach((t, i) => { rows[tests.indexOf(t)].results[runtime.label] = results[i]; });
    const t = totals(rows, runtime.label);
    const line = `${runtime.label}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${((Date.now() - started) / 1000).toFixed(0)} s)`;
    summary.push(line);
    console.log(line);
  }
  console.log(`\n${summary.join('\n')}`);
  const ours = runtimes.find((r) => r.label === 'tsrunc');
  const unexpected = ours ? rows.filter((t) => t.results[ours.label]?.status === 'fail' && !t.deliberate) : [];
  if (ours) console.log(`tsrunc: ${unexpected.length} unexpected failure(s)${unexpected.map((t) => `\n  ${t.n} ${t.file} ${t.heading}: ${t.name}`).join('')}`);
  if (opts.report && !opts.filter) {
    const host = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      kernel: os.release(),
      cgroups: fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'cgroup v2'
        : isHybridHost() ? 'hybrid cgroups (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)' : 'cgroup v1',
    };
    writeReports(__dirname, { host, runtimes: runtimes.map(({ label, version, note, argv }) => ({ label, version, note, argv })), results: rows });
    console.log('wrote conformance/REPORT.md and conformance/report.json');
  }
  if (opts.ci && unexpected.length > 0) process.exitCode = 1;
}

main().catch((e) => { console.error(`conformance: ${e.message}`); process.exit(2); });
