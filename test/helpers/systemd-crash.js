'use strict';
// Crash trials for the systemd driver (the torture suite's crash-kill, in the systemd VM lanes):
// `create --systemd-cgroup` SIGKILLed at each of its named steps (TSRUNC_TEST_STOP_AT,
// src/crash-point.ts) and at random wall-clock instants, then `delete --force` must leave nothing:
// no unit in `systemctl list-units`, no cgroup in any hierarchy, no state, no process.
const fs = require('node:fs');
const path = require('node:path');
const { CRASH_POINTS } = require('tsrunc/internal');
const { shell } = require('./config');
const { sd, unitsNamed } = require('./systemd');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Processes whose environment carries this run's marker (a tsrunc, an init before its exec) or whose command is `sleep <tag>`. */
function processesOf(marker, tag) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd === `sleep\0${tag}\0` || env.includes(marker)) found.push(`${pid} ${cmd.replace(/\0/g, ' ').trim()}`);
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return found.filter((p) => Number(p.split(' ')[0]) !== process.pid);
}

/**
 * Runs the trials; `cgroupDirs(cgPath)` lists where the unit's cgroup would be on this host.
 * Returns the failures (empty when every trial left nothing).
 */
async function crashTrials(t, rt, { cgroupDirs, randomKills }) {
  // The steps around the unit: recorded but not started, the init outside it, the unit started
  // around a waiting init, the init released, all done but the pid file. SYSTEMD_CRASH_ALL=1: every
  // step of create a container without hooks reaches (the software-emulated VM takes minutes a
  // trial on a loaded host: the lane runs the few).
  const steps = process.env.SYSTEMD_CRASH_ALL === '1'
    ? CRASH_POINTS.filter((p) => p.startsWith('create:') && p !== 'create:hooks')
    : ['create:cgroup', 'create:launched', 'create:placed', 'create:go', 'create:ready'];
  // The VM is slow: each trial says how it went as it ends (ava shows a test's t.log only at its end).
  const progress = (line) => process.stderr.write(`systemd crash trial: ${line}\n`);
  const tag = String(900 + Math.floor(Math.random() * 99));
  const makeBundle = (id) => rt.makeBundle(shell(`exec sleep ${tag}`, (c) => { c.linux.cgroupsPath = `system.slice:tsrunc-crash:${id}`; }));
  // How long an uncut create takes here, so that random kills fall anywhere inside it.
  const warm = rt.id('warm');
  const started = Date.now();
  const w = await sd(rt, ['create', '--bundle', makeBundle(warm).dir, warm]);
  const duration = Date.now() - started;
  t.is(w.code, 0, w.stderr);
  await sd(rt, ['delete', '--force', warm]);
  t.log(`uncut create: ${duration} ms`);

  const failures = [];
  const trials = [...steps.map((step) => ({ step })), ...Array.from({ length: randomKills }, () => ({ ms: Math.random() * duration * 1.1 }))];
  let killed = 0;
  for (const trial of trials) {
    const id = rt.id('crash');
    const what = trial.step ?? `random ${trial.ms.toFixed(0)} ms`;
    const { child, done } = rt.spawnRuntime(['--systemd-cgroup', 'create', '--bundle', makeBundle(id).dir, id], {
      timeout: 60000, env: trial.step ? { TSRUNC_TEST_STOP_AT: trial.step } : undefined,
    });
    const killer = trial.step ? undefined : sleep(trial.ms).then(() => child.kill('SIGKILL'));
    const r = await done;
    await killer;
    if (r.signal === 'SIGKILL') killed++;
    else if (trial.step) failures.push(`${what}: tsrunc did not stop there (exit ${r.code}: ${r.stderr.trim()})`);
    const d = await sd(rt, ['delete', '--force', id]);
    const problems = [];
    if (d.code !== 0) problems.push(`delete --force failed: ${d.stderr.trim()}`);
    const units = unitsNamed(id);
    if (units.length > 0) problems.push(`units left: ${units.join(' ')}`);
    const dirs = cgroupDirs(`/system.slice/tsrunc-crash-${id}.scope`).filter((dir) => fs.existsSync(dir));
    if (dirs.length > 0) problems.push(`cgroups left: ${dirs.join(' ')}`);
    if (fs.existsSync(path.join(rt.root, id))) problems.push('state dir left');
    const procs = processesOf(`TSRUNC_TEST_MARKER=${rt.base}`, tag);
    if (procs.length > 0) problems.push(`processes left: ${procs.join('; ')}`);
    if (problems.length > 0) failures.push(`${what}: ${problems.join('; ')}`);
    progress(`${what}: tsrunc ${r.signal ?? `exit ${r.code}`}, ${problems.length > 0 ? problems.join('; ') : 'nothing left'}`);
  }
  t.log(`${trials.length} trials (${steps.length} named steps, ${randomKills} random instants), ${killed} creates killed, ${failures.length} left something`);
  return failures;
}

module.exports = { crashTrials };
