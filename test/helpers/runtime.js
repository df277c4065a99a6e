'use strict';
// Shared test helper: runs the OCI runtime under test against throw-away bundles.
//
//   const { useRuntime } = require('./helpers/runtime');
//   test('x', async (t) => {
//     const rt = useRuntime(t);                  // per-test state root, ids, cleanup
//     const r = await rt.run({ process: { args: ['true'] } });
//   });
//
// RUNTIME selects the binary: `runc`, `crun`, or a path. Default: the repo's native front-end
// (build/native/Release/tsrunc, the `tsrunc` setup puts on PATH), or bin/tsrunc (the Node entry)
// where the build made none; RUNTIME=bin/tsrunc runs the Node entry alone.
// Everything a test creates lives under one temp dir (os.tmpdir()/tsrunc-test-XXXXXX):
// the runtime's --root, the bundles, host dirs for bind mounts, captured output.
// The teardown force-deletes every container id the test asked for, kills leftover
// runtime processes, and fails the test if processes or host mounts are left behind.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { applyPatch } = require('./config');
const { defaultCgroupDirs } = require('./cgroup-dirs');

const REPO = path.resolve(__dirname, '../..');
const DEFAULT_BUNDLE = path.join(REPO, 'bundles/default');
const NODE_ENTRY = path.join(REPO, 'bin/tsrunc');
const FRONTEND = path.join(REPO, 'build/native/Release/tsrunc');
function runtimeBinary(name = process.env.RUNTIME) {
  if (!name) return fs.existsSync(FRONTEND) ? FRONTEND : NODE_ENTRY;
  // A bare name (`runc`) is looked up in PATH; a path is made absolute (runs use another cwd).
  return name.includes('/') ? path.resolve(name) : name;
}
const RUNTIME = runtimeBinary();
const isTsrunc = path.basename(RUNTIME).includes('tsrunc');
// Every process the runtime forks inherits this variable, and every container gets it in
// process.env: that is how a test finds the processes it leaked (tests run in parallel).
const MARKER_VAR = 'TSRUNC_TEST_MARKER';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls fn() until it returns a truthy value; throws after `timeout` ms. */
async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout}ms waiting for ${what}`);
    await sleep(interval);
  }
}

/** A fresh directory under os.tmpdir(), removed when test `t` ends (for tests that need no runtime). */
function tempDir(t, prefix = 'tsrunc-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------- default bundle

let defaultRootfsReady = false;
function defaultRootfs() {
  if (!defaultRootfsReady) {
    execFileSync('bash', [path.join(REPO, 'scripts/make-default-bundle.sh')], { stdio: 'inherit' });
    defaultRootfsReady = true;
  }
  return path.join(DEFAULT_BUNDLE, 'rootfs');
}

function defaultConfig() {
  return JSON.parse(fs.readFileSync(path.join(DEFAULT_BUNDLE, 'config.json'), 'utf8'));
}


// ---------------------------------------------------------------- OCI schemas

let ajv;
function schemaValidator(name) {
  if (!ajv) {
    const Ajv = require('ajv-draft-04');
    // The released schemas, with the corrections the build applies (a broken $ref in 1.3.0).
    const { correctedSchemas } = require('../../scripts/build-schemas.js');
    ajv = new Ajv({ strict: false, allErrors: true });
    for (const [file, schema] of Object.entries(correctedSchemas())) ajv.addSchema(schema, file);
  }
  return ajv.getSchema(name);
}

/** null when `doc` is valid against schema `name` (e.g. 'state-schema.json'), else the errors as text. */
function schemaErrors(name, doc) {
  const validate = schemaValidator(name);
  return validate(doc) ? null : ajv.errorsText(validate.errors, { dataVar: '' });
}
const stateSchemaErrors = (state) => schemaErrors('state-schema.json', state);

// ---------------------------------------------------------------- host inspection

/** Parses /proc/<pid>/mountinfo text (see proc(5)). */
function parseMountinfo(text) {
  const unescape = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return text.trim().split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    return {
      root: unescape(f[3]),
      mountPoint: unescape(f[4]),
      options: f[5].split(','),
      optional: f.slice(6, sep), // propagation: shared:N, master:N, unbindable
      fsType: f[sep + 1],
      source: unescape(f[sep + 2]),
      superOptions: (f[sep + 3] || '').split(','),
    };
  });
}

const hostMounts = () => parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
const isUnder = (p, dir) => p === dir || p.startsWith(dir + '/');

/** False when /proc/<pid> is gone or a zombie. */
function isAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live pids whose environment contains `needle` (zombies have an empty environ). */
function pidsWithEnv(needle) {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
      if (environ.includes(needle + '\0')) found.push(Number(name));
    } catch { /* gone, or a kernel thread */ }
  }
  return found;
}

// ---------------------------------------------------------------- per-test context

const contexts = new WeakMap();

/** The runtime context of test `t` (created on first use, cleaned up in t.teardown). */
function useRuntime(t) {
  if (!contexts.has(t)) contexts.set(t, createContext(t));
  return contexts.get(t);
}

function createContext(t) {
  const rootfsTemplate = defaultRootfs();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-test-'));
  const tag = path.basename(base).slice('tsrunc-test-'.length).toLowerCase();
  const root = path.join(base, 'root'); // the runtime's --root; the runtime creates it
  const marker = `${MARKER_VAR}=${base}`;
  const leakedMounts = () => hostMounts().map((m) => m.mountPoint).filter((p) => isUnder(p, base));
  const ids = [];
  const children = new Set();
  let seq = 0;

  const rt = {
    base,
    root,
    marker,

    /** A fresh, unique container id; teardown runs `delete --force` on it. */
    id(prefix = 'c') {
      const id = `${prefix}-${tag}-${++seq}`;
      ids.push(id);
      return id;
    },

    /** A new empty host directory inside the test's temp dir. */
    hostDir(name = 'dir') {
      const dir = path.join(base, `${name}-${++seq}`);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },

    /**
     * A fresh bundle: a copy of the default rootfs and config.json with `patch` applied
     * (then the marker is appended to process.env). Bundles live at <base>/bundles/<n>/,
     * so <rootfs>/../../.. is <base>.
     */
    makeBundle(patch) {
      const dir = path.join(base, 'bundles', String(++seq));
      fs.mkdirSync(dir, { recursive: true });
      execFileSync('cp', ['-a', rootfsTemplate, path.join(dir, 'rootfs')]);
      const bundle = { dir, rootfs: path.join(dir, 'rootfs'), configPath: path.join(dir, 'config.json') };
      bundle.config = applyPatch(defaultConfig(), patch);
      const env = bundle.config.process?.env;
      if (Array.isArray(env) && !env.includes(marker)) env.push(marker);
      fs.writeFileSync(bundle.configPath, JSON.stringify(bundle.config, null, 2));
      return bundle;
    },

    /**
     * Starts `<runtime> --root <root> ...args` and returns {child, done}; `done` resolves
     * to {code, signal, stdout, stderr, timedOut}. Output goes to files, not pipes: a
     * container inherits the runtime's stdio and may keep it open long after the
     * runtime exited. `input`: text for its stdin (otherwise stdin is /dev/null). `detached`: in a
     * session of its own, so without a controlling terminal whoever runs the tests.
     */
    spawnRuntime(args, { timeout = 20000, cwd = base, env, input, detached = false, binary = RUNTIME } = {}) {
      const n = ++seq;
      const out = path.join(base, `io-${n}.stdout`);
      const err = path.join(base, `io-${n}.stderr`);
      const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
      const child = spawn(binary, ['--root', root, ...args], {
        cwd,
        stdio: [input === undefined ? 'ignore' : 'pipe', ...fds],
        detached, // a session of its own: no controlling terminal
        env: { ...process.env, ...env, [MARKER_VAR]: base },
      });
      fds.forEach((fd) => fs.closeSync(fd));
      if (input !== undefined) {
        child.stdin.on('error', () => {}); // it may exit without reading
        child.stdin.end(input);
      }
      children.add(child);
      const done = new Promise((resolve) => {
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
        const finish = (code, signal, spawnError) => {
          clearTimeout(timer);
          children.delete(child);
          const stderr = fs.readFileSync(err, 'utf8');
          resolve({
            code, signal, timedOut,
            stdout: fs.readFileSync(out, 'utf8'),
            stderr: spawnError ? `cannot run ${binary}: ${spawnError.message} (set RUNTIME=runc?)\n${stderr}` : stderr,
          });
        };
        child.once('error', (e) => finish(null, null, e));
        child.once('exit', (code, signal) => finish(code, signal));
      });
      return { child, done };
    },

    /** Runs `<runtime> --root <root> ...args` to completion: {code, stdout, stderr, ...}. */
    runtime(args, opts) {
      return rt.spawnRuntime(args, opts).done;
    },

    /** `state ID`, parsed: {code, stdout, stderr, state?}. */
    async state(id) {
      const r = await rt.runtime(['state', id]);
      if (r.code === 0) r.state = JSON.parse(r.stdout);
      return r;
    },

    /** Polls `state` until the container has `status`; returns the state. */
    waitForStatus(id, status, timeout = 10000) {
      return waitFor(async () => {
        const r = await rt.state(id);
        return r.state?.status === status && r.state;
      }, { timeout, what: `container ${id} to be ${status}` });
    },

    /** `run` a fresh container in the foreground: {id, bundle, code, stdout, stderr}. */
    async run(patch, { prefix = 'run', timeout } = {}) {
      const bundle = rt.makeBundle(patch);
      const id = rt.id(prefix);
      const r = await rt.runtime(['run', '--bundle', bundle.dir, id], { timeout });
      return { ...r, id, bundle };
    },

    /** `run` a fresh container, assert it exited 0, return its stdout. */
    async output(patch) {
      const r = await rt.run(patch);
      t.is(r.code, 0, r.stderr);
      return r.stdout;
    },

    /** `create` + `start` a fresh container, wait until it is `until`; returns {id, bundle, pid}. */
    async startContainer(patch, { prefix = 'bg', until = 'running' } = {}) {
      const bundle = rt.makeBundle(patch);
      const id = rt.id(prefix);
      for (const args of [['create', '--bundle', bundle.dir, id], ['start', id]]) {
        const r = await rt.runtime(args);
        if (r.code !== 0) throw new Error(`${args[0]} ${id} failed (${r.code}): ${r.stderr}`);
      }
      const { pid } = await rt.waitForStatus(id, until);
      return { id, bundle, pid };
    },

    /**
     * What a container (or failed create) left on the host: its state dir, live processes
     * started by this test's runtime, mounts under the test's temp dir. Gives processes
     * up to `settle` ms to exit first.
     */
    async leftovers(id, { settle = 2000 } = {}) {
      await waitFor(() => pidsWithEnv(marker).length === 0, { timeout: settle }).catch(() => {});
      return {
        stateDir: id !== undefined && fs.existsSync(path.join(root, id)),
        processes: pidsWithEnv(marker),
        mounts: leakedMounts(),
      };
    },
  };

  t.teardown(async () => {
    const problems = [];
    // Tracked ids, plus whatever else the runtime lists under this test's --root.
    const listed = (await rt.runtime(['list', '--quiet'], { timeout: 10000 })).stdout.split('\n').filter(Boolean);
    for (const id of new Set([...ids, ...listed])) await rt.runtime(['delete', '--force', id], { timeout: 10000 });
    for (const child of children) child.kill('SIGKILL');
    try {
      await waitFor(() => children.size === 0 && pidsWithEnv(marker).length === 0,
        { timeout: 3000, what: 'test processes to exit' });
    } catch {
      const pids = pidsWithEnv(marker);
      problems.push(`processes left running: ${pids.join(', ')}`);
      for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    // A container's cgroups (the default cgroupsPath: its id, in every hierarchy) must be gone too.
    const cgroups = ids.flatMap((id) => defaultCgroupDirs(id));
    if (cgroups.length) {
      problems.push(`cgroups left: ${cgroups.join(', ')}`);
      for (const d of cgroups) { try { fs.rmdirSync(d); } catch { /* busy or gone */ } }
    }
    const mounts = leakedMounts();
    if (mounts.length) {
      problems.push(`mounts left in the host mount table: ${mounts.join(', ')}`);
      for (const m of mounts.reverse()) { try { execFileSync('umount', ['-l', m]); } catch { /* gone */ } }
    }
    // --one-file-system: never delete through a mount a broken runtime left behind.
    try { execFileSync('rm', ['-rf', '--one-file-system', base]); } catch (e) { problems.push(String(e)); }
    if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`);
  });

  return rt;
}

/** makeBundle(t, patch): a fresh bundle for test t (see rt.makeBundle). */
const makeBundle = (t, patch) => useRuntime(t).makeBundle(patch);

/** output(t, patch): stdout of a container run for test t that must exit 0 (see rt.output). */
const output = (t, patch) => useRuntime(t).output(patch);

module.exports = {
  RUNTIME,
  NODE_ENTRY,
  FRONTEND,
  isTsrunc,
  REPO,
  useRuntime,
  makeBundle,
  output,
  tempDir,
  defaultConfig,
  stateSchemaErrors,
  schemaErrors,
  parseMountinfo,
  hostMounts,
  isAlive,
  waitFor,
  sleep,
};
