'use strict';
// `exec` on cgroup v2: the process is born in the container's cgroup (clone3 CLONE_INTO_CGROUP,
// as runc 1.4 does), never in the runtime's and moved afterwards. The kernel's own record says so:
// every move of a task between cgroups fires the cgroup:cgroup_attach_task tracepoint, which a
// child created in its cgroup never does. Traced in an instance of our own (tracefs instances),
// with the probe first shown to catch a real move.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc } = require('../helpers/runtime');
const { SLOW, shell, cgroupOf, CGROUP_ROOT } = require('./helpers');

const TRACEFS = '/sys/kernel/tracing';

function mountTracefs() {
  if (fs.existsSync(path.join(TRACEFS, 'instances'))) return true;
  try {
    require('node:child_process').execFileSync('mount', ['-t', 'tracefs', 'tracefs', TRACEFS], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return fs.existsSync(path.join(TRACEFS, 'events/cgroup/cgroup_attach_task'));
}

/** A tracefs instance recording cgroup_attach_task; returns {read(), remove()}. */
function traceAttaches(name) {
  const dir = path.join(TRACEFS, 'instances', name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'events/cgroup/cgroup_attach_task/enable'), '1');
  fs.writeFileSync(path.join(dir, 'tracing_on'), '1');
  return {
    read: () => fs.readFileSync(path.join(dir, 'trace'), 'utf8').split('\n').filter((l) => l.includes('cgroup_attach_task')),
    remove: () => {
      fs.writeFileSync(path.join(dir, 'tracing_on'), '0');
      fs.rmdirSync(dir);
    },
  };
}

// runc 1.1.5 forks the exec process in its own cgroup and moves it (CLONE_INTO_CGROUP for exec is runc 1.4).
(isTsrunc ? test : test.skip)('exec on cgroup v2: the process is born in the container\'s cgroup, never moved there', async (t) => {
  t.timeout(5 * SLOW);
  if (!mountTracefs()) return t.fail('tracefs with the cgroup:cgroup_attach_task event is needed (a stock Debian kernel has it)');
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(shell('sleep 600'));
  const containerCgroup = cgroupOf(pid);
  const trace = traceAttaches(`tsrunc-exec-${process.pid}`);
  t.teardown(() => trace.remove());

  // The probe works: a process moved into a cgroup of the test's shows up, by path.
  const probeDir = fs.mkdtempSync(path.join(CGROUP_ROOT, 'tsrunc-probe-'));
  t.teardown(() => fs.rmdirSync(probeDir));
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(probeDir, 'cgroup.procs'), String(sleeper.pid));
  const probeRel = '/' + path.relative(CGROUP_ROOT, probeDir);
  const movedInto = (rel) => trace.read().filter((l) => l.includes(`dst_path=${rel} `));
  const caught = movedInto(probeRel);
  fs.writeFileSync(path.join(CGROUP_ROOT, 'cgroup.procs'), String(sleeper.pid));
  sleeper.kill('SIGKILL');
  t.true(caught.length > 0, `the probe sees a move into ${probeRel}:\n${trace.read().join('\n')}`);

  const rel = '/' + path.relative(CGROUP_ROOT, containerCgroup);
  const r = await rt.runtime(['exec', id, 'cat', '/proc/self/cgroup'], { timeout: SLOW });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(movedInto(rel), [], `no task was moved into ${rel}: exec's process was cloned into it`);
});
