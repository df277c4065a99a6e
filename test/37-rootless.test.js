'use strict';
// Rootless use: a non-root user (made with useradd for this file, removed after it) runs the
// runtime with runuser and its own XDG_RUNTIME_DIR. Its state root, `spec --rootless`, every verb
// (run, create/start, state, list, ps, exec, kill, delete, terminals), maps through
// newuidmap/newgidmap from /etc/subuid, and runc's rules for cgroups it was not given.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');
const { RUNTIME, REPO, isTsrunc, waitFor } = require('./helpers/runtime');
const { consoleSocket } = require('./helpers/console');

const USER = `tsrunc-rl${process.pid % 100000}`;
let uid;
let gid;
let subuid;
let base;
let xdg;
let seq = 0;
// Where the runtime under test keeps a non-root caller's state: $XDG_RUNTIME_DIR/<its name>.
const STATE_NAME = isTsrunc ? 'tsrunc' : path.basename(RUNTIME);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test.before(() => {
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));
  const line = fs.readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith(`${USER}:`));
  subuid = line ? Number(line.split(':')[1]) : undefined;
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-rootless-'));
  fs.chmodSync(base, 0o755);
  xdg = path.join(base, 'xdg');
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.chownSync(xdg, uid, gid);
});

test.after.always(() => {
  // Whatever the user still runs (a failed test's container): found by owner, killed by pid.
  let pids = [];
  try { pids = execFileSync('pgrep', ['-u', String(uid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number); } catch { /* none */ }
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  if (base) execFileSync('rm', ['-rf', '--one-file-system', base]);
  try { execFileSync('userdel', ['--remove', USER], { stdio: 'ignore' }); } catch { /* made by no test */ }
  const st = fs.statSync('/dev/null');
  if (st.uid !== 0 || st.gid !== 0 || (st.mode & 0o777) !== 0o666) throw new Error('the host\'s /dev/null changed');
});

/**
 * `<runtime> args...` as the test user, in `cwd`: {code, stdout, stderr}. Output goes to files, as
 * in helpers/runtime.js: a container keeps the runtime's stdio open after the runtime exits.
 */
function asUser(args, { cwd = base, timeout = 20000 } = {}) {
  const n = ++seq;
  const out = path.join(base, `io-${n}.stdout`);
  const err = path.join(base, `io-${n}.stderr`);
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  const child = spawn('runuser', ['-u', USER, '--', 'env', `XDG_RUNTIME_DIR=${xdg}`, `HOME=/home/${USER}`, RUNTIME, ...args], { cwd, stdio: ['ignore', ...fds] });
  fds.forEach((fd) => fs.closeSync(fd));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') });
    });
  });
}

/** A bundle the user owns: the default rootfs and `spec --rootless` written by the runtime as the user, then `patch`. */
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
  if (patch) patch(config);
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  return dir;
}

function ids(t) {
  const list = [];
  t.teardown(async () => { for (const id of list) await asUser(['delete', '--force', id]); });
  return (prefix = 'rl') => { const id = `${prefix}-${process.pid}-${++seq}`; list.push(id); return id; };
}

test.serial('spec --rootless: a user namespace mapping the caller, no network namespace, /sys bound, no gid=, no resources', async (t) => {
  const dir = await rootlessBundle(t);
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  t.deepEqual(c.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'pid', 'user', 'uts']);
  t.deepEqual([c.linux.uidMappings, c.linux.gidMappings], [[{ containerID: 0, hostID: uid, size: 1 }], [{ containerID: 0, hostID: gid, size: 1 }]]);
  t.deepEqual(c.mounts.find((m) => m.destination === '/sys'), { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  t.false(c.mounts.some((m) => (m.options ?? []).some((o) => /^[ug]id=/.test(o))));
  t.is(c.linux.resources, undefined);
});

test.serial('run as a user: root inside, the user outside, state under $XDG_RUNTIME_DIR/tsrunc, host devices untouched', async (t) => {
  const id = ids(t)();
  const dir = await rootlessBundle(t, (c) => { c.process.args = ['sh', '-c', `id -u; cat /proc/self/uid_map; ls /proc/self/ns >/dev/null; stat -c %t,%T /dev/null; true`]; });
  const r = await asUser(['run', id], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const [inside, map, nul] = r.stdout.trim().split('\n');
  t.is(inside, '0');
  t.deepEqual(map.trim().split(/\s+/), ['0', String(uid), '1']);
  t.is(nul, '1,3');
  const st = fs.statSync('/dev/null');
  t.deepEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o666]);
  t.false(fs.existsSync(`/run/tsrunc/${id}`), 'nothing in root\'s state root');
});

test.serial('create, start, state, list, ps, exec, kill, delete as a user', async (t) => {
  const id = ids(t)();
  const dir = await rootlessBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  t.is((await asUser(['create', '--bundle', dir, id])).code, 0);
  t.true(fs.existsSync(path.join(xdg, STATE_NAME, id)), 'the state is under $XDG_RUNTIME_DIR/tsrunc');
  const created = JSON.parse((await asUser(['state', id])).stdout);
  t.is(created.status, 'created');
  t.is(fs.statSync(`/proc/${created.pid}`).uid, uid, 'the init runs as the user');
  t.is((await asUser(['start', id])).code, 0);
  const running = JSON.parse((await asUser(['state', id])).stdout);
  t.is(running.status, 'running');
  t.regex((await asUser(['list'])).stdout, new RegExp(`${id}\\s+${running.pid}\\s+running`));
  // runc 1.1.5's ps needs the container's cgroup, which a rootless container here has none of.
  if (isTsrunc) {
    const ps = await asUser(['ps', '--format', 'json', id]);
    t.is(ps.code, 0, ps.stderr);
    t.true(JSON.parse(ps.stdout).includes(running.pid));
  }
  const exec = await asUser(['exec', id, 'sh', '-c', 'id -u; readlink /proc/self/ns/user']);
  t.is(exec.code, 0, exec.stderr);
  t.deepEqual(exec.stdout.trim().split('\n'), ['0', fs.readlinkSync(`/proc/${running.pid}/ns/user`)]);
  t.is((await asUser(['kill', id, 'KILL'])).code, 0);
  await waitFor(async () => JSON.parse((await asUser(['state', id])).stdout).status === 'stopped', { what: 'the container to stop' });
  t.is((await asUser(['delete', id])).code, 0);
  t.false(fs.existsSync(path.join(xdg, STATE_NAME, id)));
});

test.serial('a terminal for a user\'s container: create --console-socket, the shell on the container\'s own pty', async (t) => {
  const id = ids(t)();
  const dir = await rootlessBundle(t, (c) => { c.process.terminal = true; c.process.args = ['sh']; });
  const sockDir = path.join(base, `console-${++seq}`);
  fs.mkdirSync(sockDir, { mode: 0o755 });
  const cs = await consoleSocket(sockDir);
  t.teardown(() => cs.close());
  fs.chmodSync(cs.path, 0o777);
  const created = await asUser(['create', '--bundle', dir, '--console-socket', cs.path, id]);
  t.is(created.code, 0, created.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  t.is((await asUser(['start', id])).code, 0);
  await term.expect(/# /);
  t.truthy(await term.send('tty; id -u', /\/dev\/pts\/0\r?\n0\r?\n/));
  term.write('exit\r');
  t.true(await term.closedWithin());
});

test.serial('maps beyond the caller\'s own id go through newuidmap/newgidmap and /etc/subuid', async (t) => {
  if (subuid === undefined) return t.pass('useradd gave the user no /etc/subuid range');
  const id = ids(t)();
  const dir = await rootlessBundle(t, (c) => {
    c.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: subuid, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: subuid, size: 65536 }];
    c.process.args = ['sh', '-c', 'cat /proc/self/uid_map; cat /proc/self/setgroups'];
  });
  const r = await asUser(['run', id], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.deepEqual(lines, [`0 ${uid} 1`, `1 ${subuid} 65536`, 'allow']);
  // A range that is not the user's: newuidmap refuses, the error names the field, nothing is left.
  const bad = ids(t)();
  const badDir = await rootlessBundle(t, (c) => {
    c.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: 1, size: 10 }];
  });
  const refused = await asUser(['run', bad], { cwd: badDir });
  t.not(refused.code, 0);
  if (isTsrunc) t.regex(refused.stderr, /\/linux\/uidMappings: newuidmap .* failed/);
  t.false(fs.existsSync(path.join(xdg, STATE_NAME, bad)));
});

test.serial('cgroups: none of its own where none was delegated; limits that need one are refused naming the field', async (t) => {
  const id = ids(t)();
  const dir = await rootlessBundle(t, (c) => { c.process.args = ['sh', '-c', 'cat /proc/self/cgroup | grep -c .']; });
  const r = await asUser(['run', id], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const limited = ids(t)();
  const limitedDir = await rootlessBundle(t, (c) => { c.linux.resources = { memory: { limit: 64 * 1024 * 1024 } }; });
  const refused = await asUser(['run', limited], { cwd: limitedDir });
  t.not(refused.code, 0);
  if (isTsrunc) t.regex(refused.stderr, /\/linux\/resources\/memory: cannot set limits/);
  t.false(fs.existsSync(path.join(xdg, STATE_NAME, limited)));
});
