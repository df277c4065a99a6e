'use strict';
// Rootless containers under the systemd cgroup driver (issues 21 and 22): a normal user runs the
// runtime with --systemd-cgroup and its units go to that user's own systemd instance
// (user@UID.service, reached at $XDG_RUNTIME_DIR/systemd/private or the user bus), which delegates
// a cgroup2 subtree to the user. Limits are then applied rootless, as on a Fedora or Ubuntu desktop
// running rootless podman. The user is made for this file and removed after it, with its manager.
//
// Each check reads what the user's manager holds (`systemctl --user show`, as the user), what the
// kernel enforces (the cgroup files) and what the container sees (/proc/self/cgroup, the limit in
// its cgroup mount). RUNTIME=runc runs the same checks against runc's rootless systemd driver.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const test = require('ava');
const { RUNTIME, REPO, isTsrunc, waitFor } = require('../helpers/runtime');
const { SLOW } = require('../helpers/systemd');

const underSystemd = fs.existsSync('/run/systemd/system') && fs.readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd'
  && fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
if (!underSystemd) {
  throw new Error('test/systemd needs systemd as PID 1 with cgroup v2; run `npm run test:systemd`, which boots a VM with one');
}

const USER = `tsrunc-sdu${process.pid % 100000}`;
const STATE_NAME = isTsrunc ? 'tsrunc' : path.basename(RUNTIME);
let uid;
let gid;
let xdg;
let base;
let seq = 0;

test.before(() => {
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));
  // What a login (or `loginctl enable-linger`) starts: /run/user/UID and the user's manager.
  execFileSync('systemctl', ['start', `user@${uid}.service`], { timeout: SLOW * 2 });
  xdg = `/run/user/${uid}`;
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-sd-rootless-'));
  fs.chmodSync(base, 0o755);
});

test.after.always(() => {
  if (uid !== undefined) {
    spawnSync('systemctl', ['stop', `user@${uid}.service`, `user-runtime-dir@${uid}.service`, `user-${uid}.slice`], { timeout: SLOW });
    let pids = [];
    try { pids = execFileSync('pgrep', ['-u', String(uid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number); } catch { /* none */ }
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  if (base) execFileSync('rm', ['-rf', '--one-file-system', base]);
  spawnSync('userdel', ['--remove', USER], { stdio: 'ignore' });
});

/** `cmd args...` as the test user with its session's environment: {code, stdout, stderr}. */
function asUser(cmd, args, { cwd = base, timeout = SLOW } = {}) {
  const n = ++seq;
  const out = path.join(base, `io-${n}.stdout`);
  const err = path.join(base, `io-${n}.stderr`);
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  const env = [`XDG_RUNTIME_DIR=${xdg}`, `DBUS_SESSION_BUS_ADDRESS=unix:path=${xdg}/bus`, `HOME=/home/${USER}`, `USER=${USER}`];
  const child = spawn('runuser', ['-u', USER, '--', 'env', ...env, cmd, ...args], { cwd, stdio: ['ignore', ...fds] });
  fds.forEach((fd) => fs.closeSync(fd));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') });
    });
  });
}

/**
 * The runtime as the user with --systemd-cgroup, as rootless podman calls it: from a scope of the
 * user's own manager (podman moves itself into one; so is a shell of a desktop session's
 * terminal), the subtree the user may move processes in. `outside`: from vm-run's service instead,
 * a cgroup the user cannot move processes out of (a login shell's session scope is the same).
 */
const rt = (args, { outside = false, ...opts } = {}) => (outside
  ? asUser(RUNTIME, ['--systemd-cgroup', ...args], opts)
  : asUser('systemd-run', ['--user', '--scope', '--quiet', '--collect', '--', RUNTIME, '--systemd-cgroup', ...args], opts));

/** `systemctl --user show UNIT` as the user: {NAME: value}. */
async function showUser(unit, ...names) {
  const r = await asUser('systemctl', ['--user', 'show', unit, ...names.flatMap((n) => ['-p', n])]);
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

async function userUnitsNamed(part) {
  const r = await asUser('systemctl', ['--user', 'list-units', '--all', '--plain', '--no-legend', `*${part}*`]);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]);
}

/** A bundle the user owns: the default rootfs and `spec --rootless` written by the runtime as the user, then `patch`. */
async function rootlessBundle(t, patch) {
  const dir = path.join(base, `bundle-${++seq}`);
  fs.mkdirSync(dir);
  execFileSync('cp', ['-a', path.join(REPO, 'bundles/default/rootfs'), dir]);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  const r = await asUser(RUNTIME, ['spec', '--rootless'], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const configPath = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  config.process.terminal = false;
  // A cgroup namespace of its own, as podman gives a container on cgroup v2 (`spec --rootless` has
  // none): the container sees its cgroup as "/" whatever cgroup the runtime's exec left it in.
  if (!config.linux.namespaces.some((n) => n.type === 'cgroup')) config.linux.namespaces.push({ type: 'cgroup' });
  if (patch) patch(config);
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  return dir;
}

function ids(t) {
  const list = [];
  t.teardown(async () => { for (const id of list) await rt(['delete', '--force', id]); });
  return (prefix) => { const id = `${prefix}-${process.pid}-${++seq}`; list.push(id); return id; };
}

const readCg = (cg, file) => fs.readFileSync(`/sys/fs/cgroup${cg}/${file}`, 'utf8').trim();

test.serial('rootless --systemd-cgroup: a scope in the user\'s manager, limits applied, every verb through it, nothing left', async (t) => {
  const newId = ids(t);
  const id = newId('sdu');
  const unit = `tsrunc-test-${id}.scope`;
  const dir = await rootlessBundle(t, (c) => {
    c.process.args = ['sleep', '600'];
    c.linux.cgroupsPath = `user.slice:tsrunc-test:${id}`;
    c.linux.resources = { memory: { limit: 67108864 }, pids: { limit: 42 } };
  });
  const r = await rt(['run', '-d', '--bundle', dir, id]);
  t.is(r.code, 0, r.stderr);
  t.true(fs.existsSync(path.join(xdg, STATE_NAME, id)), 'the state is under $XDG_RUNTIME_DIR');
  const state = JSON.parse((await rt(['state', id])).stdout);

  // The user's manager holds the unit, below its own cgroup (user@UID.service), delegated.
  const managerCg = `/user.slice/user-${uid}.slice/user@${uid}.service`;
  const cg = `${managerCg}/user.slice/${unit}`;
  t.like(await showUser(unit, 'ActiveState', 'Slice', 'ControlGroup', 'Delegate', 'MemoryMax', 'TasksMax'), {
    ActiveState: 'active', Slice: 'user.slice', ControlGroup: cg, Delegate: 'yes', MemoryMax: '67108864', TasksMax: '42',
  });
  t.is(spawnSync('systemctl', ['show', unit, '-p', 'LoadState'], { encoding: 'utf8' }).stdout.trim(), 'LoadState=not-found', 'not a unit of the system manager');

  // The kernel: the init is in the unit's cgroup, which the user owns and whose limits hold.
  t.is(fs.readFileSync(`/proc/${state.pid}/cgroup`, 'utf8').trim(), `0::${cg}`);
  t.is(fs.statSync(`/sys/fs/cgroup${cg}`).uid, uid, 'the cgroup is the user\'s');
  t.is(readCg(cg, 'memory.max'), '67108864');
  t.is(readCg(cg, 'pids.max'), '42');

  // The container, in a cgroup namespace rooted at the unit's cgroup: root inside, at "/", its
  // limit in its cgroup mount.
  const e = await rt(['exec', id, 'sh', '-c', 'id -u; cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max']);
  t.is(e.code, 0, e.stderr);
  t.deepEqual(e.stdout.trim().split('\n'), ['0', '0::/', '67108864']);

  // exec from a cgroup the user may not move processes out of: it runs, outside the unit's cgroup,
  // as runc lets it (its rootless rule: a cgroup it cannot join is skipped, not an error).
  const outside = await rt(['exec', id, 'cat', '/proc/self/cgroup'], { outside: true });
  t.is(outside.code, 0, outside.stderr);
  t.not(outside.stdout.trim(), `0::${cg}`);

  // update, rootless: the unit's properties and the files.
  const u = await rt(['update', '--memory', '134217728', '--pids-limit', '100', id]);
  t.is(u.code, 0, u.stderr);
  t.like(await showUser(unit, 'MemoryMax', 'TasksMax'), { MemoryMax: '134217728', TasksMax: '100' });
  t.is(readCg(cg, 'memory.max'), '134217728');
  t.is(readCg(cg, 'pids.max'), '100');

  // pause/resume through the freezer of the delegated cgroup; ps reads it.
  t.is((await rt(['pause', id])).code, 0);
  t.regex(readCg(cg, 'cgroup.events'), /^frozen 1$/m);
  t.is((await rt(['resume', id])).code, 0);
  t.regex(readCg(cg, 'cgroup.events'), /^frozen 0$/m);
  const ps = await rt(['ps', '--format', 'json', id]);
  t.is(ps.code, 0, ps.stderr);
  t.true(JSON.parse(ps.stdout).includes(state.pid));

  // kill and delete: the unit stopped and reset, the cgroup gone.
  t.is((await rt(['kill', id, 'KILL'])).code, 0);
  await waitFor(async () => JSON.parse((await rt(['state', id])).stdout).status === 'stopped', { timeout: SLOW, what: 'the container to stop' });
  const d = await rt(['delete', id]);
  t.is(d.code, 0, d.stderr);
  t.deepEqual(await userUnitsNamed(id), [], 'nothing left in systemctl --user list-units');
  t.false(fs.existsSync(`/sys/fs/cgroup${cg}`));
  t.false(fs.existsSync(path.join(xdg, STATE_NAME, id)));
});

test.serial('rootless --systemd-cgroup: the default cgroupsPath is runc-<id>.scope in the user\'s user.slice; delete --force stops it', async (t) => {
  const id = ids(t)('sdd');
  const dir = await rootlessBundle(t, (c) => { c.process.args = ['sleep', '600']; });
  const r = await rt(['run', '-d', '--bundle', dir, id]);
  t.is(r.code, 0, r.stderr);
  const unit = `runc-${id}.scope`;
  const cg = `/user.slice/user-${uid}.slice/user@${uid}.service/user.slice/${unit}`;
  t.like(await showUser(unit, 'ActiveState', 'ControlGroup'), { ActiveState: 'active', ControlGroup: cg });
  const d = await rt(['delete', '--force', id]);
  t.is(d.code, 0, d.stderr);
  t.deepEqual(await userUnitsNamed(id), []);
  t.false(fs.existsSync(`/sys/fs/cgroup${cg}`));
});

test.serial('features: systemdUser', (t) => {
  const f = JSON.parse(execFileSync(RUNTIME, ['features'], { encoding: 'utf8' }));
  t.like(f.linux.cgroup, { systemd: true, systemdUser: true });
});
