'use strict';
// Rootless podman with the runtime under test: a user made with useradd for this file (its
// /etc/subuid range, Debian's newuidmap) runs podman 4.3 with the runtime as its containers.conf
// entry, vfs storage in its home, no network, cgroupfs. podman runs the runtime inside its own
// user namespace (as that namespace's root), so the runtime's rootless rules apply: state in
// $XDG_RUNTIME_DIR, devices bound, no cgroup where none is delegated (this host's v1 hierarchies
// are root's). The scenarios that make sense without cgroups: run with output and exit code,
// detached + exec, exec -it, kill, rm, a bind-mount volume, an anonymous volume. The user, its
// processes and its files are removed afterwards.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const h = require('./harness');

const USER = `tsrunc-pm${process.pid % 100000}`;
const SH = (script) => ['sh', '-c', script];
let w;
let uid;
let home;
let xdg;

function userProcesses() {
  try {
    return execFileSync('pgrep', ['-u', String(uid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

test.before(() => {
  h.ensureCommands(['podman', 'conmon', 'script', 'busybox', 'newuidmap', 'useradd']);
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  home = `/home/${USER}`;
  w = h.makeWork('podman-rootless');
  fs.chmodSync(w.dir, 0o755);
  // The wrapper logs each call: the user must reach it and write the log.
  fs.chmodSync(path.dirname(w.wrapper), 0o755);
  fs.writeFileSync(w.calls, '');
  fs.chmodSync(w.calls, 0o666);
  xdg = path.join(w.dir, 'xdg');
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.chownSync(xdg, uid, uid);
  const conf = path.join(home, '.config/containers');
  fs.mkdirSync(conf, { recursive: true });
  fs.writeFileSync(path.join(conf, 'containers.conf'), [
    '[containers]',
    'netns = "none"',
    'log_driver = "k8s-file"',
    '[engine]',
    `runtime = "${h.RUNTIME_NAME}"`,
    `runtime_supports_json = ["crun", "runc", "${h.RUNTIME_NAME}"]`,
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    '[engine.runtimes]',
    `${h.RUNTIME_NAME} = ["${w.wrapper}"]`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(conf, 'storage.conf'), '[storage]\ndriver = "vfs"\n');
  execFileSync('chown', ['-R', `${USER}:${USER}`, path.join(home, '.config')]);
  const image = h.buildImage(w);
  fs.chmodSync(image, 0o644);
  const load = podman('load', '-i', image);
  if (load.code !== 0) throw new Error(`podman load: ${load.out}`);
});

test.after.always(() => {
  if (!w) return;
  podman('rm', '-a', '-f', '-t', '0');
  // podman's pause process holds its user namespace: everything the user runs goes, by pid.
  for (const pid of userProcesses()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  try { execFileSync('userdel', ['--remove', USER], { stdio: 'ignore' }); } catch { /* already gone */ }
  // The client commands and runtime calls stay for a look, as the other client suites keep theirs.
  for (const [file, name] of [[w.log, 'commands'], [w.calls, 'runtime-calls']]) {
    try { fs.copyFileSync(file, `/tmp/tsrunc-clients-podman-rootless.${name}.log`); } catch { /* none */ }
  }
  execFileSync('rm', ['-rf', '--one-file-system', w.dir]);
  const st = fs.statSync('/dev/null');
  if (st.uid !== 0 || st.gid !== 0 || (st.mode & 0o777) !== 0o666) throw new Error('the host\'s /dev/null changed');
});

const asUser = (...argv) => ['runuser', '-u', USER, '--', 'env', `XDG_RUNTIME_DIR=${xdg}`, `HOME=${home}`, ...argv];
const podman = (...args) => h.run(w, asUser('podman', ...args), { timeout: 120000 });
const run = (...args) => podman('run', '--pull', 'never', '--network', 'none', ...args);

test.serial('podman as a user uses the runtime entry, and the runtime runs as root of podman\'s user namespace', (t) => {
  const info = podman('info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.Security.Rootless}}');
  t.is(info.code, 0, info.out);
  t.is(info.out.trim(), `${h.RUNTIME_NAME} true`);
});

test.serial('run: the output and the exit code reach the user; root inside is the user outside', (t) => {
  const r = run('--rm', h.IMAGE, ...SH('echo hello-rootless; id -u; head -1 /proc/self/uid_map; exit 7'));
  t.is(r.code, 7, r.out);
  const [hello, inside, map] = r.out.trim().split('\n');
  t.is(hello, 'hello-rootless');
  t.is(inside, '0');
  t.deepEqual(map.trim().split(/\s+/), ['0', String(uid), '1']);
  t.true(h.runtimeCalls(w).some((c) => c.startsWith('--log-format json') || c.includes(' create ') || c.startsWith('create')), 'the runtime made it');
  t.true(fs.existsSync(path.join(xdg, 'tsrunc')) || !h.RUNTIME_NAME.includes('tsrunc'), 'the runtime\'s state is in the user\'s $XDG_RUNTIME_DIR');
});

test.serial('run -d, exec, exec -it, kill, rm', async (t) => {
  const id = `rl-det-${w.tag}`;
  t.teardown(() => podman('rm', '-f', id));
  const r = run('-d', '--name', id, h.IMAGE, ...SH('while :; do sleep 0.2; done'));
  t.is(r.code, 0, r.out);
  t.is(podman('inspect', '-f', '{{.State.Status}}', id).out.trim(), 'running');
  const e = podman('exec', id, ...SH('echo exec-out; cat /proc/1/cmdline | tr "\\0" " "; exit 5'));
  t.is(e.code, 5, e.out);
  t.regex(e.out, /exec-out\nsh -c while/);
  const tty = h.runTty(w, asUser('podman', 'exec', '-it', id, ...SH('sleep 0.5; tty; stty size; exit 6')));
  t.is(tty.code, 6, tty.out);
  t.regex(tty.out, /\/dev\/pts\/\d+\n30 100\n/);
  t.is(podman('kill', id).code, 0);
  // "stopped" until podman's cleanup has run, "exited" after.
  await h.waitFor(() => ['exited', 'stopped'].includes(podman('inspect', '-f', '{{.State.Status}}', id).out.trim()), { timeout: 60000, what: 'the container to exit' });
  t.is(podman('inspect', '-f', '{{.State.ExitCode}}', id).out.trim(), '137');
  t.is(podman('rm', id).code, 0);
  t.is(podman('ps', '-aq').out.trim(), '');
});

test.serial('-v hostdir:/data: the file the container writes stays on the host, owned by the user', (t) => {
  const host = path.join(w.dir, 'data');
  fs.mkdirSync(host);
  fs.chownSync(host, uid, uid);
  fs.writeFileSync(path.join(host, 'in'), 'from-host\n');
  const r = run('--rm', '-v', `${host}:/data`, h.IMAGE, ...SH('cat /data/in; echo kept > /data/out'));
  t.is(r.code, 0, r.out);
  t.regex(r.out, /from-host/);
  t.is(fs.readFileSync(path.join(host, 'out'), 'utf8'), 'kept\n');
  t.is(fs.statSync(path.join(host, 'out')).uid, uid);
});

test.serial('-v /data: an anonymous volume keeps its data after the container is removed', (t) => {
  const id = `rl-vol-${w.tag}`;
  t.teardown(() => podman('rm', '-f', id));
  const r = run('--name', id, '-v', '/data', h.IMAGE, ...SH('echo seeded > /data/f; ls /data'));
  t.is(r.code, 0, r.out);
  const name = podman('inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', id).out.trim();
  t.regex(name, /^[0-9a-f]{64}$/);
  t.is(podman('rm', id).code, 0);
  const again = run('--rm', '-v', `${name}:/data`, h.IMAGE, 'cat', '/data/f');
  t.is(again.out.trim(), 'seeded');
  podman('volume', 'rm', name);
});

test.serial('nothing is left: no container, no runtime state, no process of the runtime', (t) => {
  t.is(podman('ps', '-aq').out.trim(), '');
  const state = path.join(xdg, h.RUNTIME_NAME);
  t.deepEqual(fs.existsSync(state) ? fs.readdirSync(state) : [], []);
  const runtimes = userProcesses().filter((pid) => {
    try { return /tsrunc|runc|conmon/.test(fs.readFileSync(`/proc/${pid}/comm`, 'utf8')); } catch { return false; }
  });
  t.deepEqual(runtimes, []);
});
