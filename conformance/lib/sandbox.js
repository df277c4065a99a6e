'use strict';
// One test's world: a temp dir holding the runtime's --root, the bundles (busybox rootfs + probe),
// host directories and captured output. Everything it starts is stopped and removed afterwards.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { REPO } = require('./runtimes');
const { parseMountinfo } = require('../../test/helpers/runtime');

const DEFAULT_BUNDLE = path.join(REPO, 'bundles/default');

// The host's device nodes a runtime bind-mounts into a container in a user namespace: one that
// chowns the bind-mounted node changes the host's own (runc#3674; crun 1.8 does). Checked after
// every test and put back.
const HOST_DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];
const deviceState = () => HOST_DEVICES.map((p) => { const st = fs.statSync(p); return { p, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }; });

class Failure extends Error {}
class Skip extends Error {}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Deep-merges plain objects; arrays, scalars and null in `patch` replace (null deletes). */
function merge(target, patch) {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else target[k] = isObject(v) && isObject(target[k]) ? merge(target[k], v) : v;
  }
  return target;
}

/** The config every test starts from: the default bundle's, running the probe. */
function baseConfig(probeArgs) {
  const config = JSON.parse(fs.readFileSync(path.join(DEFAULT_BUNDLE, 'config.json'), 'utf8'));
  config.process.args = ['/probe', ...probeArgs];
  return config;
}

class Sandbox {
  constructor(runtime, probe) {
    this.runtime = runtime;
    this.probeBinary = probe;
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-conf-'));
    // Traversable: a container in a user namespace reaches its rootfs as a mapped (non-root) user.
    fs.chmodSync(this.base, 0o711);
    this.root = path.join(this.base, 'root');
    this.tag = path.basename(this.base).slice('oci-conf-'.length).toLowerCase();
    this.ids = [];
    this.holders = [];
    this.hostMounts = [];
    this.devices = deviceState();
    this.seq = 0;
  }

  skip(reason) { throw new Skip(reason); }
  fail(message) { throw new Failure(message); }
  check(ok, message) { if (!ok) throw new Failure(message); }
  equal(actual, expected, what) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) throw new Failure(`${what}: expected ${e}, got ${a}`);
  }

  id(prefix = 'c') {
    const id = `${prefix}-${this.tag}-${++this.seq}`;
    this.ids.push(id);
    return id;
  }

  hostDir(name = 'dir') {
    const dir = path.join(this.base, `${name}-${++this.seq}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * A fresh bundle: busybox rootfs + /probe, config = base config (probe with probeArgs) with
   * `patch` (object deep-merged, or function editing the config) applied.
   */
  bundle(patch = {}, probeArgs = []) {
    const dir = path.join(this.base, 'bundles', String(++this.seq));
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('cp', ['-a', path.join(DEFAULT_BUNDLE, 'rootfs'), path.join(dir, 'rootfs')]);
    fs.copyFileSync(this.probeBinary, path.join(dir, 'rootfs/probe'));
    fs.chmodSync(path.join(dir, 'rootfs/probe'), 0o755);
    let config = baseConfig(probeArgs);
    config = typeof patch === 'function' ? (patch(config) ?? config) : merge(config, patch);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
    return { dir, rootfs: path.join(dir, 'rootfs'), config };
  }

  /**
   * Runs `<runtime> --root <root> ...args` to completion: {code, stdout, stderr}. Output goes to
   * files: a container inherits the runtime's stdio and may hold it open after the runtime exits.
   * `prelude`: shell commands run before exec'ing the runtime (an inherited oom_score_adj, umask).
   * `tty`: the runtime runs on a pseudo-terminal of its own (script(1)), as `run` in a shell would:
   * a foreground `run` of a process with `terminal: true` needs one.
   */
  rt(args, { timeout = 20000, prelude, tty } = {}) {
    const n = ++this.seq;
    const out = path.join(this.base, `io-${n}.out`);
    const err = path.join(this.base, `io-${n}.err`);
    const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
    let argv = [...this.runtime.argv, '--root', this.root, ...args];
    if (prelude) argv = ['sh', '-c', `${prelude} && exec "$@"`, 'sh', ...argv];
    if (tty) argv = ['script', '--quiet', '--return', '--command', argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' '), '/dev/null'];
    const child = spawn(argv[0], argv.slice(1), { cwd: this.base, stdio: ['ignore', ...fds] });
    fds.forEach((fd) => fs.closeSync(fd));
    return new Promise((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
      const done = (code, signal, error) => {
        clearTimeout(timer);
        resolve({
          code, signal, timedOut,
          exit: code !== null ? `exit ${code}` : `killed by ${signal}`,
          stdout: fs.readFileSync(out, 'utf8'),
          stderr: (error ? `${error.message}\n` : '') + fs.readFileSync(err, 'utf8') + (timedOut ? `\n(timed out after ${timeout} ms)` : ''),
        });
      };
      child.once('error', (e) => done(null, null, e));
      child.once('exit', (code, signal) => done(code, signal));
    });
  }

  /** `run` a fresh container in the foreground and returns what the probe printed, parsed. */
  async probe(patch, probeArgs = [], opts = {}) {
    const r = await this.runBundle(this.bundle(patch, probeArgs), opts);
    if (r.code !== 0) this.fail(`run failed (${r.exit}): ${r.stderr.trim() || r.stdout.trim()}`);
    return this.parse(r.stdout);
  }

  async runBundle(bundle, opts = {}) {
    return this.rt(['run', '--bundle', bundle.dir, this.id('run')], opts);
  }

  parse(stdout) {
    // On a terminal the output has \r\n line ends and may follow the runtime's own messages.
    const text = stdout.replace(/\r|\0|\^@/g, '');
    const start = text.search(/\{\n "uid":/);
    let p;
    try {
      p = JSON.parse(text.slice(start, text.indexOf('\n}\n', start) + 2)); // the probe ends with "\n}\n"
    } catch {
      // Show what is not the probe's (one key a line): a runtime's messages on the same terminal.
      const other = text.split('\n').filter((l) => l && !/^( "|\{$|\}$)/.test(l));
      this.fail(`the probe's JSON is unreadable; other output: ${JSON.stringify(other.join('\n').slice(0, 300))}`);
    }
    p.mounts = typeof p.mountinfo === 'string' ? parseMountinfo(p.mountinfo) : [];
    p.capabilities = {};
    for (const [k, set] of [['CapInh', 'inheritable'], ['CapPrm', 'permitted'], ['CapEff', 'effective'], ['CapBnd', 'bounding'], ['CapAmb', 'ambient']]) {
      const m = new RegExp(`^${k}:\\s*([0-9a-f]+)`, 'm').exec(p.status);
      p.capabilities[set] = m ? BigInt('0x' + m[1]) : null;
    }
    p.seccompMode = Number((/^Seccomp:\s*(\d)/m.exec(p.status) || [])[1]);
    return p;
  }

  /** `create` (expected to succeed): returns {id, bundle}. */
  async create(patch, probeArgs = [], opts = {}) {
    const bundle = this.bundle(patch, probeArgs);
    const id = this.id();
    const r = await this.rt(['create', '--bundle', bundle.dir, id], opts);
    if (r.code !== 0) this.fail(`create failed (${r.exit}): ${r.stderr.trim()}`);
    return { id, bundle };
  }

  /** A created container whose process sleeps once started (args replaced by `sh -c script`). */
  async createShell(script, patch = {}) {
    return this.create((c) => {
      merge(c, patch);
      c.process.args = ['sh', '-c', script];
    });
  }

  async start(id) {
    const r = await this.rt(['start', id]);
    if (r.code !== 0) this.fail(`start failed (${r.exit}): ${r.stderr.trim()}`);
  }

  /** `state ID` parsed, or null if the runtime reports an error. */
  async state(id) {
    const r = await this.rt(['state', id]);
    if (r.code !== 0) return null;
    try { return JSON.parse(r.stdout); } catch { this.fail(`state printed no JSON: ${r.stdout}`); }
  }

  async waitFor(fn, what, timeout = 10000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) this.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async waitForStatus(id, status) {
    return this.waitFor(async () => { const s = await this.state(id); return s?.status === status && s; }, `${id} to be ${status}`);
  }

  /**
   * A process holding new namespaces (unshare(1) flags, e.g. ['--net', '--uts']) for a container
   * to join: {pid, path(type)} where path('net') is /proc/<pid>/ns/net.
   */
  async holder(flags) {
    const child = spawn('unshare', ['--fork', ...flags, 'sleep', '600'], { stdio: 'ignore' });
    this.holders.push(child);
    const pid = await this.waitFor(() => {
      try {
        const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        return kids && Number(kids.split(' ')[0]);
      } catch { return 0; }
    }, 'the namespace holder');
    // unshare --fork: the child is in every new namespace (pid and time apply to children only).
    await this.waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 'the holder to exec');
    return { pid, path: (type) => `/proc/${pid}/ns/${type}`, ns: (type) => fs.readlinkSync(`/proc/${pid}/ns/${type}`) };
  }

  /** mount(8) on the host, for a test's source directories; unmounted by cleanup(). */
  hostMount(args) {
    execFileSync('mount', args);
    const target = args[args.length - 1];
    if (!this.hostMounts.includes(target)) this.hostMounts.push(target);
  }

  /** Live processes whose root directory is in this sandbox: containers still running. */
  processesInside() {
    const pids = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const root = fs.readlinkSync(`/proc/${name}/root`);
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        if (root.startsWith(this.base + '/') && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(name));
      } catch { /* gone, or not ours to read */ }
    }
    return pids;
  }

  /** Cgroup directories named after this sandbox's containers (ids and cgroupsPath carry the tag). */
  cgroupsLeft() {
    try {
      return execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', `*${this.tag}*`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n').filter(Boolean);
    } catch (e) {
      return (e.stdout ?? '').split('\n').filter(Boolean);
    }
  }

  /** Runs `fn` at cleanup, after the containers are gone (a host device the test made). */
  onCleanup(fn) { (this.cleanups ??= []).push(fn); }

  /** Stops everything the test started; returns what could not be cleaned (empty when clean). */
  async cleanup() {
    const problems = [];
    // runc, crun and tsrunc keep a directory per container under --root: whatever is there still
    // exists (deleting only those saves a runtime start per test).
    const left = fs.existsSync(this.root) ? fs.readdirSync(this.root).filter((id) => this.ids.includes(id)) : [];
    for (const id of left) await this.rt(['delete', '--force', id], { timeout: 10000 });
    const stray = fs.existsSync(this.root) ? fs.readdirSync(this.root).filter((id) => this.ids.includes(id)) : [];
    if (stray.length) problems.push(`containers left after delete --force: ${stray.join(', ')}`);
    for (const h of this.holders) h.kill('SIGKILL');
    for (const fn of this.cleanups ?? []) { try { fn(); } catch { /* best effort */ } }
    for (const m of this.hostMounts.reverse()) { try { execFileSync('umount', [m], { stdio: 'ignore' }); } catch { /* gone */ } }
    const leaked = () => parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
      .map((m) => m.mountPoint).filter((p) => p === this.base || p.startsWith(this.base + '/'));
    for (const m of leaked().reverse()) {
      problems.push(`mount left: ${m}`);
      try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* gone */ }
    }
    const procs = await this.waitFor(() => this.processesInside().length === 0, 'processes to exit', 3000).catch(() => false);
    if (procs === false) {
      const pids = this.processesInside();
      problems.push(`processes left: ${pids.join(', ')}`);
      for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    for (const [i, now] of deviceState().entries()) {
      const was = this.devices[i];
      if (now.uid === was.uid && now.gid === was.gid && now.mode === was.mode) continue;
      problems.push(`the host's ${now.p} was changed to ${now.uid}:${now.gid} mode ${now.mode.toString(8)} (put back to ${was.uid}:${was.gid} ${was.mode.toString(8)})`);
      fs.chownSync(now.p, was.uid, was.gid);
      fs.chmodSync(now.p, was.mode);
    }
    const cgroups = this.cgroupsLeft();
    if (cgroups.length) problems.push(`cgroups left: ${cgroups.join(', ')}`);
    for (const dir of cgroups.reverse()) { try { fs.rmdirSync(dir); } catch { /* busy or gone */ } }
    try { execFileSync('rm', ['-rf', '--one-file-system', this.base]); } catch (e) { problems.push(String(e.message)); }
    return problems;
  }
}

module.exports = { Sandbox, Failure, Skip };
