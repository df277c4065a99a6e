'use strict';
// What the fuzz tests hold every outcome to: how a rejection must read, and how to make a generated
// document safe to run on a shared host without making it less hostile to tsrunc.
const fs = require('node:fs');
const path = require('node:path');
const fc = require('fast-check');
const { LONG } = require('./figures');
const { REPO } = require('../../helpers/runtime');

/**
 * Text that only an untyped JavaScript error (by name, as `--debug` shows the cause of any error:
 * "caused by TypeError: ..."), a native crash or a stack trace puts in tsrunc's output.
 */
const UNTYPED = /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|InternalError|AggregateError|internal error)\b|Maximum call stack|Assertion|assert(ion)? failed|Segmentation fault|core dumped|Aborted|killed by signal|terminated by signal|\n\s+at .+[(\s]\/.+:\d+:\d+|Do not know how to serialize|Cannot read propert|is not a function|is not iterable/i;

/** A JSON pointer into the document (/process/args, /mounts/6/destination) or the document itself. */
const NAMES_A_FIELD = /(^|[\s"'(])\/[^\s/]|\bconfig\.json\b|--process\b|\b(Cwd|args)\b/;

/**
 * The error lines of tsrunc's stderr (its text log format: level=error msg="..."), their messages
 * unquoted. Anything else on stderr is returned too, so a stray stack trace is seen.
 */
function errorMessages(stderr) {
  const out = [];
  for (const line of stderr.split('\n').filter(Boolean)) {
    const m = /level=(\w+) msg=("(?:[^"\\]|\\.)*")/.exec(line);
    if (!m) out.push({ level: 'raw', msg: line });
    else out.push({ level: m[1], msg: JSON.parse(m[2]) });
  }
  return out;
}

/**
 * Problems with one tsrunc invocation's outcome (none: []). `expect`: exit codes it may end with.
 * A rejection (any non-zero code) must say why in an error line that names the field.
 */
function judge(r, { expect = [0, 1], needField = true } = {}) {
  // TSRUNC_FUZZ_LOG=FILE: every outcome, to read what the rejections say.
  if (process.env.TSRUNC_FUZZ_LOG) fs.appendFileSync(process.env.TSRUNC_FUZZ_LOG, `${r.code} ${r.signal ?? ''} ${r.stderr.trim().replace(/\n/g, ' | ').slice(0, 400)}\n`);
  const problems = [];
  if (r.signal) problems.push(`killed by ${r.signal}`);
  if (r.timedOut) problems.push('timed out');
  if (!r.signal && !expect.includes(r.code)) problems.push(`exit code ${r.code}`);
  const lines = errorMessages(r.stderr);
  for (const l of lines) {
    const m = UNTYPED.exec(l.msg);
    if (m) problems.push(`untyped error ("${m[0]}"): ${l.msg.slice(Math.max(0, m.index - 150), m.index + 150)}`);
  }
  // Lines not in the log format are the container's own (it inherits stderr): only UNTYPED is checked on them.
  if (r.code !== 0 && !r.signal) {
    const errors = lines.filter((l) => l.level === 'error');
    if (errors.length === 0) problems.push('rejected without an error message');
    else if (needField && !errors.some((l) => NAMES_A_FIELD.test(l.msg))) problems.push(`error names no field: ${errors[0].msg.slice(0, 300)}`);
  }
  return problems;
}

/**
 * Makes a generated document safe for this host, keeping it as hostile to tsrunc: no hooks (they run
 * host programs), the cgroup always below one named after the id (a cgroupsPath "/" would otherwise put
 * the container in the host's root cgroup; a hostile suffix stays), and the test's marker in the
 * process environment so the leak checker finds the container's processes.
 */
function tame(doc, { id, marker }) {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  delete doc.hooks;
  const linux = doc.linux;
  if (linux && typeof linux === 'object' && !Array.isArray(linux) && typeof linux.cgroupsPath === 'string') {
    linux.cgroupsPath = linux.cgroupsPath === '' ? '' : `${id}/${linux.cgroupsPath.replace(/^\/+/, '')}`;
  }
  const env = doc.process?.env;
  if (Array.isArray(env)) env.push(marker);
  return doc;
}

/** Same for a process.json: only the marker (an exec goes into the container's existing cgroup). */
function tameProcess(doc, { marker }) {
  if (Array.isArray(doc?.env)) doc.env.push(marker);
  return doc;
}

/** fast-check parameters: fixed seeds by default (a failure reproduces), fresh ones in --long. */
function fcParams(numRuns, fixedSeed) {
  const params = { numRuns, endOnFailure: true };
  if (!LONG) params.seed = fixedSeed;
  if (process.env.TSRUNC_FUZZ_SEED) params.seed = Number(process.env.TSRUNC_FUZZ_SEED);
  if (process.env.TSRUNC_FUZZ_PATH) params.path = process.env.TSRUNC_FUZZ_PATH;
  return params;
}

/**
 * Runs fc.check; a failure throws a short report: the seed and path that replay it
 * (TSRUNC_FUZZ_SEED; fast-check's `path` too), the edits made and the error (not the whole document:
 * it may hold 100,000 levels of nesting).
 */
async function check(property, params) {
  const out = await fc.check(property, params);
  if (out.failed) {
    const example = out.counterexample?.[0];
    const edits = example?.how ? `edits: ${example.how.join('; ')}\n` : '';
    const error = String(out.errorInstance?.message ?? out.errorInstance).slice(0, 3000);
    const report = `fuzz failure after ${out.numRuns} runs (seed ${out.seed}, replay: TSRUNC_FUZZ_SEED=${out.seed} TSRUNC_FUZZ_PATH=${out.counterexamplePath})\n${edits}${error}`;
    // Now, not only in ava's summary at the end of a long run.
    process.stderr.write(`${report}\n`);
    throw new Error(report);
  }
  return out;
}

/** A copy of the default rootfs for the fuzz cases to share (mount destinations get made in it). */
function sharedRootfs(rt) {
  const dir = path.join(rt.base, 'rootfs');
  require('node:child_process').execFileSync('cp', ['-a', path.join(REPO, 'bundles/default/rootfs'), dir]);
  return dir;
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

module.exports = { UNTYPED, NAMES_A_FIELD, errorMessages, judge, tame, tameProcess, fcParams, check, sharedRootfs, readJson };

/** Lines of the kernel log that say a tsrunc binary crashed (segfault, trap, general protection). */
function kernelCrashLines() {
  try {
    const log = require('node:child_process').execFileSync('dmesg', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return log.split('\n').filter((l) => /tsrunc|node/.test(l) && /segfault|trap|general protection|core dumped/i.test(l));
  } catch {
    return [];
  }
}

/** The outcome counters every CLI fuzz file reports as figures. */
function newStats() {
  return { cases: 0, accepted: 0, started: 0, crashes: 0, untyped: 0, leaks: 0, failures: [] };
}

/** Sorts one invocation's problems into the counters; returns them (for the failure message). */
function record(stats, what, problems) {
  for (const p of problems) {
    if (/^(killed by|exit code|timed out)/.test(p) || /container init exited before|sync protocol/.test(p)) stats.crashes++;
    else stats.untyped++;
  }
  if (problems.length) stats.failures.push(`${what}: ${problems.join('; ')}`);
  return problems;
}

module.exports.kernelCrashLines = kernelCrashLines;
module.exports.newStats = newStats;
module.exports.record = record;

