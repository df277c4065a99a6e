'use strict';
// The client lane's harness (`npm run test:clients`): containerd + ctr, podman + conmon and Docker
// drive the runtime under test as users drive them. This module owns what every client file needs:
//
// - the runtime: RUNTIME=runc (the reference) or a path; default the repo's bin/tsrunc. The clients
//   get a logging wrapper in front of it, so a test can assert which runtime call a client made
//   (`kill --all`, `update`...), not only what the user saw.
// - a private work dir (/tmp/tsrunc-clients-XXXXXX) for every daemon's root, state, sockets and
//   exec-root, the image tar and the bind-mount sources; daemons started in their own session and
//   stopped by PID.
// - the busybox image, built from busybox-static as a docker-archive: `ctr images import`,
//   `podman load` and `docker load` all read it; no registry is needed.
// - commands run with their output going to a file, not a pipe: a client's daemonised children
//   (containerd shims, conmon) keep inherited pipes open long after the client exits.
// - TTY runs under util-linux `script`, a real pseudo-terminal of 30 rows x 100 columns.
// - the end-of-suite check that nothing of the suite's own is left: processes, mounts, cgroups,
//   host paths the clients create, iptables rules.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync, execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '../..');
const IMAGE = 'localhost/tsrunc-busybox:latest';

/** The runtime under test, as an absolute path (the clients exec it from their own cwd). */
function runtimePath(name = process.env.RUNTIME) {
  // The native front-end (what setup puts on PATH) when the build made one, else the Node entry.
  if (!name) return [path.join(REPO, 'build/native/Release/tsrunc'), path.join(REPO, 'bin/tsrunc')].find((p) => fs.existsSync(p));
  if (name.includes('/')) return path.resolve(name);
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`RUNTIME=${name}: not found in PATH`);
  return found;
}
const RUNTIME = runtimePath();
const RUNTIME_NAME = path.basename(RUNTIME);

// The containerd shim under test: containerd-shim-tsrunc-v2 of this repo, or with RUNTIME=runc
// the reference, runc's own shim (which runs runc from PATH).
const SHIM = process.env.RUNTIME === 'runc' ? 'io.containerd.runc.v2' : 'io.containerd.tsrunc.v2';
/** containerd-shim-tsrunc-v2's default state root (its containers under <root>/<namespace>). */
const SHIM_STATE_ROOT = process.env.RUNTIME === 'runc' ? '/run/containerd/runc' : '/run/containerd/tsrunc';

/**
 * containerd finds a shim by its binary name on PATH: the daemons of this suite get a bin dir
 * first on theirs with containerd-shim-tsrunc-v2 linked to this repo's (never the host's).
 */
function putShimOnPath(work) {
  const bin = path.join(work.dir, 'shim-bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(path.join(REPO, 'bin', 'containerd-shim-tsrunc-v2'), path.join(bin, 'containerd-shim-tsrunc-v2'));
  work.env = { ...work.env, PATH: `${bin}:${work.env.PATH}` };
}

// ---------------------------------------------------------------- packages

const PACKAGES = { containerd: 'containerd', ctr: 'containerd', podman: 'podman', conmon: 'conmon',
  dockerd: 'docker.io', script: 'bsdutils', busybox: 'busybox-static', 'iptables-save': 'iptables' };

/** Installs the Debian packages of the given commands that are missing (apt-get, once). */
function ensureCommands(commands) {
  const missing = [...new Set(commands.filter((c) => !which(c)).map((c) => PACKAGES[c] ?? c))];
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

function which(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).stdout.trim() || null;
}

// ---------------------------------------------------------------- the suite's work dir

/**
 * One client's private world. `marker` goes into the environment of every process the suite
 * starts (daemons, and through them shims, conmon, runtime calls): the leftover check finds
 * exactly those by it.
 */
function makeWork(client) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsrunc-clients-${client}-`));
  const tag = crypto.randomBytes(4).toString('hex');
  const work = {
    dir,
    tag,
    client,
    marker: `TSRUNC_CLIENTS_MARK=${client}-${tag}`,
    log: path.join(dir, 'commands.log'),
    calls: path.join(dir, 'runtime-calls.log'),
    daemons: [],
    hostPathsBefore: HOST_PATHS.filter((p) => fs.existsSync(p)),
    cgroupTopBefore: fs.readdirSync('/sys/fs/cgroup'),
    iptablesBefore: iptablesRules(),
  };
  work.env = { ...process.env, [work.marker.split('=')[0]]: work.marker.split('=')[1] };
  work.wrapper = writeWrapper(work);
  return work;
}

/**
 * The runtime as the clients see it: a script of the runtime's own name (conmon picks the JSON
 * log format by that name) that appends its argv to runtime-calls.log and execs the runtime with
 * the same pid, fds and stdin.
 */
function writeWrapper(work) {
  const bin = path.join(work.dir, 'bin');
  fs.mkdirSync(bin);
  const wrapper = path.join(bin, RUNTIME_NAME);
  fs.writeFileSync(wrapper, [
    '#!/bin/sh',
    `printf '%s\\n' "$*" >> '${work.calls}'`,
    `exec '${RUNTIME}' "$@"`,
    '',
  ].join('\n'), { mode: 0o755 });
  return wrapper;
}

/** Every runtime call the clients made so far (argv lines), e.g. to find `kill --all`. */
function runtimeCalls(work) {
  try {
    return fs.readFileSync(work.calls, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- commands

/**
 * Runs a client command to completion: { code, out } (stdout and stderr together, as a user sees
 * them in a terminal), logged to commands.log. Output goes through a file (see the header).
 */
function run(work, argv, { timeout = 60000, input } = {}) {
  const outFile = path.join(work.dir, 'out');
  const fd = fs.openSync(outFile, 'w');
  let r;
  try {
    r = spawnSync(argv[0], argv.slice(1), {
      stdio: [input === undefined ? 'ignore' : 'pipe', fd, fd],
      input,
      env: work.env,
      timeout,
      killSignal: 'SIGKILL',
    });
  } finally {
    fs.closeSync(fd);
  }
  const out = fs.readFileSync(outFile, 'utf8').replace(/\r/g, '');
  const code = r.status ?? (r.error?.code === 'ETIMEDOUT' ? 'timeout' : `signal ${r.signal}`);
  fs.appendFileSync(work.log, `$ ${argv.join(' ')}\n${out}[exit ${code}]\n`);
  return { code, out };
}

/**
 * Runs a client command on a real pseudo-terminal (util-linux `script`), 30 rows x 100 columns:
 * { code, out } as the user's terminal shows it (CRs dropped).
 */
function runTty(work, argv, opts = {}) {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return run(work, ['script', '-qefc', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], opts);
}

/** Polls fn() until truthy (or throws after `timeout` ms). Synchronous steps, async waits. */
async function waitFor(fn, { timeout = 15000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---------------------------------------------------------------- daemons

/** Starts a daemon in its own session (no terminal, no inherited fds); resolves with its pid. */
function startDaemon(work, name, argv) {
  const logFd = fs.openSync(path.join(work.dir, `${name}.log`), 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', logFd, logFd], env: work.env });
  fs.closeSync(logFd);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const d = { name, pid: child.pid, exited, log: path.join(work.dir, `${name}.log`) };
  work.daemons.push(d);
  return d;
}

/** SIGTERM, then SIGKILL after `grace` ms: only the pids this suite started. */
async function stopPid(pid, exited, grace = 20000) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  // the timer is cleared once the pid is gone: left pending, it held the test worker open for `grace` ms
  let timeout;
  const timer = new Promise((r) => { timeout = setTimeout(r, grace, 'timeout'); });
  const outcome = await Promise.race([exited ?? waitGone(pid, grace), timer]);
  clearTimeout(timeout);
  if (outcome === 'timeout' && alive(pid)) {
    process.kill(pid, 'SIGKILL');
    await (exited ?? waitGone(pid, 5000));
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pid, timeout) {
  const deadline = Date.now() + timeout;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

// ---------------------------------------------------------------- the image

/**
 * A docker-archive (`docker save` layout) of one layer: busybox-static and its applets, /etc/passwd
 * and /etc/group. Deterministic (sorted, mtime 0), so the image id is the same on every run.
 * `tag` and `entrypoint` make other images of the same layer (the CRI lane's pause image).
 */
function buildImage(work, { tag = IMAGE, entrypoint } = {}) {
  const name = tag.replace(/[^a-z0-9]+/gi, '-');
  const root = path.join(work.dir, `${name}-rootfs`);
  const out = path.join(work.dir, name);
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'run', 'var', 'data']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.copyFileSync(fs.realpathSync(which('busybox')), path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  const applets = execFileSync(path.join(root, 'bin/busybox'), ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) fs.symlinkSync('busybox', path.join(root, 'bin', a));
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.mkdirSync(out);
  const layer = path.join(out, 'layer.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--sort=name', '-C', root, '-cf', layer, '.']);
  fs.rmSync(root, { recursive: true });
  const diffId = sha256(fs.readFileSync(layer));
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/', ...(entrypoint ? { Entrypoint: entrypoint } : { Cmd: ['sh'] }) },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'tsrunc test:clients: busybox-static' }],
  });
  const configId = sha256(Buffer.from(config));
  fs.mkdirSync(path.join(out, diffId));
  fs.renameSync(layer, path.join(out, diffId, 'layer.tar'));
  fs.writeFileSync(path.join(out, `${configId}.json`), config);
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify([{ Config: `${configId}.json`, RepoTags: [tag], Layers: [`${diffId}/layer.tar`] }]));
  const tar = path.join(work.dir, `${name}.tar`);
  execFileSync('tar', ['--mtime=@0', '--sort=name', '--owner=0', '--group=0', '-C', out, '-cf', tar, '.']);
  fs.rmSync(out, { recursive: true });
  return tar;
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

// ---------------------------------------------------------------- leftovers

// Paths the clients create outside their configurable roots (shim sockets, plugin dirs, caches):
// what did not exist before the suite is removed after it, if empty.
const HOST_PATHS = ['/run/containerd', '/run/containerd/s', '/run/containerd/fifo', '/run/containerd/io.containerd.runtime.v2.task', '/run/containerd/tsrunc', '/run/containerd/runc',
  '/run/docker', '/run/docker/plugins', '/run/containers', '/run/containers/networks', '/run/containers/storage',
  '/var/lib/containers/cache/blob-info-cache-v1.boltdb', '/var/lib/containers/cache', '/var/lib/containers',
  '/etc/docker/key.json', '/root/.docker'];

/** Cgroup directories named `cgroupPath` (absolute) in every mounted hierarchy. */
function cgroupDirs(cgroupPath) {
  const roots = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((l) => l.split(' ')).filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2').map((f) => f[1]);
  return roots.map((r) => path.join(r, cgroupPath)).filter((d) => fs.existsSync(d));
}

/** Child cgroups below `cgroupPath` in every hierarchy. */
function cgroupChildren(cgroupPath) {
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        found.push(path.join(d, e.name));
        walk(path.join(d, e.name));
      }
    }
  };
  for (const d of cgroupDirs(cgroupPath)) walk(d);
  return found;
}

/** Removes the (empty) cgroup `cgroupPath` and its children in every hierarchy, deepest first. */
function removeCgroups(cgroupPath) {
  for (const d of [...cgroupChildren(cgroupPath).reverse(), ...cgroupDirs(cgroupPath)]) {
    try {
      fs.rmdirSync(d);
    } catch {
      // a plain directory on the cgroup tmpfs (podman mkdirs unmounted controllers): removed below
      if (fs.statfsSync(d).type === 0x01021994) fs.rmSync(d, { recursive: true, force: true });
    }
  }
}

function iptablesRules() {
  if (!which('iptables-save')) return null;
  const r = spawnSync('iptables-save', [], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l && !l.startsWith('#') && !/^:/.test(l)).join('\n') : null;
}

/** Processes whose environment carries the suite's marker (shims, conmon, runtime calls). */
function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function markedProcesses(work) {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(work.marker)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** Mount points under the suite's work dir. */
function mountsUnder(work) {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m + '/').startsWith(work.dir + '/'));
}

/**
 * Stops the suite's daemons, then reports what the suite left behind (a list of strings, empty
 * when clean) and removes it: marked processes (by pid), mounts under the work dir, the
 * cgroups below `cgroupParents`, new host paths, the work dir. Called from `after.always`.
 */
async function teardown(work, cgroupParents) {
  const left = [];
  for (const d of work.daemons.reverse()) await stopPid(d.pid, d.exited);
  await new Promise((r) => setTimeout(r, 500));
  // containerd-shim-tsrunc-v2 serving a namespace may stay idle a while (TSRUNC_SHIM_IDLE_MS, src/shim/lifetime.ts).
  for (let i = 0; i < 70 && markedProcesses(work).some((pid) => /containerd-shim-tsrunc-v2/.test(cmdlineOf(pid))); i++) await new Promise((r) => setTimeout(r, 500));
  for (const pid of markedProcesses(work)) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 120);
    } catch {
      continue;
    }
    left.push(`process ${pid}: ${cmd}`);
    await stopPid(pid, null, 5000);
  }
  for (const parent of cgroupParents) {
    // podman keeps conmon in <parent>/conmon; it goes with the parent
    const children = cgroupChildren(parent).filter((d) => !d.endsWith('/conmon'));
    if (children.length) left.push(`cgroups: ${children.join(' ')}`);
    for (const d of cgroupDirs(parent)) {
      for (const procs of cgroupProcsFiles(d)) {
        for (const pid of fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean)) {
          left.push(`container process ${pid} in ${procs}`);
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    removeCgroups(parent);
  }
  // unmounted v1 controllers podman mkdir'ed under /sys/fs/cgroup (plain dirs on the tmpfs)
  for (const top of fs.readdirSync('/sys/fs/cgroup')) {
    const p = path.join('/sys/fs/cgroup', top);
    if (!work.cgroupTopBefore.includes(top) && fs.statfsSync(p).type === 0x01021994) fs.rmSync(p, { recursive: true, force: true });
  }
  for (const m of mountsUnder(work).sort().reverse()) {
    left.push(`mount ${m}`);
    spawnSync('umount', ['-l', m]);
  }
  // deepest first: a parent goes only once its children are gone
  for (const p of [...HOST_PATHS].sort((a, b) => b.length - a.length)) {
    if (work.hostPathsBefore.includes(p) || !fs.existsSync(p)) continue;
    try {
      fs.statSync(p).isDirectory() ? fs.rmdirSync(p) : fs.rmSync(p);
    } catch {
      // not empty: someone else's too
    }
  }
  // the last run's client commands and runtime calls, for a look after the fact
  for (const f of [work.log, work.calls]) if (fs.existsSync(f)) fs.copyFileSync(f, path.join(os.tmpdir(), `tsrunc-clients-${work.client}.${path.basename(f)}`));
  const rules = iptablesRules();
  if (rules !== null && work.iptablesBefore !== null && rules !== work.iptablesBefore) left.push('iptables rules changed');
  if (mountsUnder(work).length === 0) fs.rmSync(work.dir, { recursive: true, force: true });
  else left.push(`work dir ${work.dir} kept: mounts remain`);
  return left;
}

function cgroupProcsFiles(dir) {
  const out = [];
  const walk = (d) => {
    if (fs.existsSync(path.join(d, 'cgroup.procs'))) out.push(path.join(d, 'cgroup.procs'));
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(dir);
  return out;
}

/** The memory limit of the cgroup that holds `pid` (v1 memory controller, or cgroup2). */
function memoryLimitOf(pid) {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  if (fs.statfsSync('/sys/fs/cgroup').type === 0x63677270) {
    const p = lines.find((l) => l.startsWith('0::')).slice(3);
    return fs.readFileSync(path.join('/sys/fs/cgroup', p, 'memory.max'), 'utf8').trim();
  }
  const p = lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('memory'))[2];
  return fs.readFileSync(path.join('/sys/fs/cgroup/memory', p, 'memory.limit_in_bytes'), 'utf8').trim();
}

module.exports = {
  REPO, IMAGE, RUNTIME, RUNTIME_NAME, SHIM, SHIM_STATE_ROOT, putShimOnPath, ensureCommands, which, makeWork, runtimeCalls, run, runTty, waitFor,
  startDaemon, buildImage, teardown, memoryLimitOf, cgroupDirs,
};
