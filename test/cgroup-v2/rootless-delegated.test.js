'use strict';
// Rootless containers in a delegated cgroup2 subtree (issue 22), without systemd: root delegates a
// subtree to a normal user as the kernel's cgroup-v2 documentation describes (chown of the
// directory and of its cgroup.procs, cgroup.threads and cgroup.subtree_control), the user's shell
// sits in a leaf of it, and the runtime, run by that user, makes the container's cgroup there with
// its limits: what a rootless podman on a delegating host gets. A relative cgroupsPath lands under
// the parent of the runtime's own cgroup (runc's rule), here the delegated root.
//
// Checked as the host sees it (the cgroup files, their owner, the init's cgroup) and as the
// container sees it (/proc/self/cgroup, the limit in its cgroup mount), side by side with runc.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');
const { RUNTIME, REPO, waitFor } = require('../helpers/runtime');
const { CGROUP_ROOT, SLOW, readCgroup } = require('./helpers');

const USER = `tsrunc-dg${process.pid % 100000}`;
const DELEGATED = `tsrunc-delegated-${process.pid}`;
let uid;
let gid;
let base;
let xdg;
let seq = 0;
const delegated = path.join(CGROUP_ROOT, DELEGATED);
const leaf = path.join(delegated, 'shell');

test.before(() => {
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-delegated-'));
  fs.chmodSync(base, 0o755);
  xdg = path.join(base, 'xdg');
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.chownSync(xdg, uid, gid);
  // The delegation: memory and pids offered to the subtree, which the user then owns.
  const rootControllers = readCgroup(CGROUP_ROOT, 'cgroup.subtree_control').split(/\s+/);
  const missing = ['memory', 'pids'].filter((c) => !rootControllers.includes(c));
  if (missing.length > 0) fs.writeFileSync(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  fs.mkdirSync(delegated);
  for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control']) fs.chownSync(path.join(delegated, f), uid, gid);
  fs.mkdirSync(leaf);
  for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control']) fs.chownSync(path.join(leaf, f), uid, gid);
});

test.after.always(() => {
  let pids = [];
  try { pids = execFileSync('pgrep', ['-u', String(uid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number); } catch { /* none */ }
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  // Children first; each is empty once its processes are gone.
  if (fs.existsSync(delegated)) execFileSync('find', [delegated, '-depth', '-mindepth', '0', '-type', 'd', '-exec', 'rmdir', '{}', ';']);
  if (base) execFileSync('rm', ['-rf', '--one-file-system', base]);
  try { execFileSync('userdel', ['--remove', USER], { stdio: 'ignore' }); } catch { /* made by no test */ }
});

/**
 * The runtime as the user, started from the delegated leaf (root puts the shell there, then drops
 * to the user, as a login into a delegated session would): {code, stdout, stderr}.
 */
function asUser(args, { cwd = base, timeout = SLOW } = {}) {
  const n = ++seq;
  const out = path.join(base, `io-${n}.stdout`);
  const err = path.join(base, `io-${n}.stderr`);
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  const child = spawn('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', leaf,
    'runuser', '-u', USER, '--', 'env', `XDG_RUNTIME_DIR=${xdg}`, `HOME=/home/${USER}`, RUNTIME, ...args], { cwd, stdio: ['ignore', ...fds] });
  fds.forEach((fd) => fs.closeSync(fd));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') });
    });
  });
}

async function rootlessBundle(t, patch) {
  const dir = path.join(base, `bundle-${++seq}`);
  fs.mkdirSync(dir);
  execFileSync('cp', ['-a', path.join(REPO, 'bundles/default/rootfs'), dir]);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  const r = await asUser(['spec', '--rootless'], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const configPath = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  config.process.terminal = false;
  // A cgroup namespace of its own, as podman gives a container on cgroup v2 (`spec --rootless` has
  // none): the container sees its cgroup as "/" whatever cgroup the runtime's exec left it in.
  if (!config.linux.namespaces.some((n) => n.type === 'cgroup')) config.linux.namespaces.push({ type: 'cgroup' });
  patch(config);
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  return dir;
}

test.serial('a user with a delegated cgroup2 subtree: its container gets a cgroup there, with limits, update, pause, exec', async (t) => {
  const id = `dg-${process.pid}`;
  t.teardown(() => asUser(['delete', '--force', id]));
  const dir = await rootlessBundle(t, (c) => {
    c.process.args = ['sleep', '600'];
    c.linux.cgroupsPath = `ctr-${id}`;
    c.linux.resources = { memory: { limit: 67108864 }, pids: { limit: 42 } };
  });
  const r = await asUser(['run', '-d', '--bundle', dir, id]);
  t.is(r.code, 0, r.stderr);
  const state = JSON.parse((await asUser(['state', id])).stdout);
  const cg = `/${DELEGATED}/ctr-${id}`;
  const host = CGROUP_ROOT + cg;

  // The host: the init in the new cgroup below the delegated root, made by (and owned by) the user, the limits in its files.
  t.is(fs.readFileSync(`/proc/${state.pid}/cgroup`, 'utf8').trim(), `0::${cg}`);
  t.is(fs.statSync(`/proc/${state.pid}`).uid, uid);
  t.is(fs.statSync(host).uid, uid, 'the user made it');
  t.is(readCgroup(host, 'memory.max'), '67108864');
  t.is(readCgroup(host, 'pids.max'), '42');
  t.true(readCgroup(delegated, 'cgroup.subtree_control').split(/\s+/).includes('memory'), 'the user enabled memory in its subtree');

  // The container, in a cgroup namespace rooted at its cgroup: root inside, at "/", its limit in its cgroup mount.
  const e = await asUser(['exec', id, 'sh', '-c', 'id -u; cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max']);
  t.is(e.code, 0, e.stderr);
  t.deepEqual(e.stdout.trim().split('\n'), ['0', '0::/', '67108864']);

  const u = await asUser(['update', '--memory', '134217728', '--pids-limit', '100', id]);
  t.is(u.code, 0, u.stderr);
  t.is(readCgroup(host, 'memory.max'), '134217728');
  t.is(readCgroup(host, 'pids.max'), '100');

  t.is((await asUser(['pause', id])).code, 0);
  t.regex(readCgroup(host, 'cgroup.events'), /^frozen 1$/m);
  t.is((await asUser(['resume', id])).code, 0);
  t.regex(readCgroup(host, 'cgroup.events'), /^frozen 0$/m);
  const ps = await asUser(['ps', '--format', 'json', id]);
  t.is(ps.code, 0, ps.stderr);
  t.true(JSON.parse(ps.stdout).includes(state.pid));

  t.is((await asUser(['kill', id, 'KILL'])).code, 0);
  await waitFor(async () => JSON.parse((await asUser(['state', id])).stdout).status === 'stopped', { timeout: SLOW, what: 'the container to stop' });
  const d = await asUser(['delete', id]);
  t.is(d.code, 0, d.stderr);
  t.false(fs.existsSync(host), 'delete removed its cgroup');
});

test.serial('the limit holds rootless: a process over memory.max in the delegated cgroup is OOM-killed', async (t) => {
  const id = `dgo-${process.pid}`;
  t.teardown(() => asUser(['delete', '--force', id]));
  const dir = await rootlessBundle(t, (c) => {
    // tail -c keeps the last 30 MB it read in memory: almost twice the limit.
    c.process.args = ['sh', '-c', 'head -c 40000000 /dev/zero | tail -c 30000000 >/dev/null && echo survived'];
    c.linux.cgroupsPath = `ctr-${id}`;
    c.linux.resources = { memory: { limit: 16777216, swap: 16777216 } };
  });
  const r = await asUser(['run', '--bundle', dir, id]);
  t.false(r.stdout.includes('survived'), `the process outgrew memory.max and lived: ${r.stdout} ${r.stderr}`);
});
