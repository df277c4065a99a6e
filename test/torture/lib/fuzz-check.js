'use strict';
// What the fuzz tests hold every outcome to: how a rejection must read, and how to make a generated
// document safe to run on a shared host without making it less hostile to tsrunc.
const fs = require('node:fs');
const path = require('node:path');
const fc = require('fast-check');
const { LONG } = require('./figures');
const { REPO } = require('../../helpers/runtime');

/** Text that only an untyped JavaScript error, a native crash or a stack trace puts in tsrunc's output. */
const UNTYPED = /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|InternalError|AggregateError|internal error)\b|Maximum call stack|Assertion|assert(ion)? failed|Segmentation fault|core dumped|Aborted|killed by signal|terminated by signal|\n\s+at .+[(\s]\/.+:\d+:\d+|Do not know how to serialize|Cannot read propert|is not a function|is not iterable|undefined is not|null is not/i;

/** A JSON pointer into the document (/process/args, /mounts/6/destination) or the document itself. */
const NAMES_A_FIELD = /(^|[\s"'(])\/[^\s/]|\bconfig\.json\b|\bprocess(\.json)?\b|--process\b/;

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
  const problems = [];
  if (r.signal) problems.push(`killed by ${r.signal}`);
  if (r.timedOut) problems.push('timed out');
  if (!r.signal && !expect.includes(r.code)) problems.push(`exit code ${r.code}`);
  const lines = errorMessages(r.stderr);
  for (const l of lines) {
    if (UNTYPED.test(l.msg)) problems.push(`untyped error: ${l.msg.slice(0, 300)}`);
  }
  const raw = lines.filter((l) => l.level === 'raw');
  if (raw.length) problems.push(`stderr line not in tsrunc's log format: ${raw[0].msg.slice(0, 300)}`);
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
    throw new Error(`fuzz failure after ${out.numRuns} runs (seed ${out.seed}, path "${out.counterexample_path}"; replay: TSRUNC_FUZZ_SEED=${out.seed})\n${edits}${error}`);
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
