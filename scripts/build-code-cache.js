// Builds V8's compiled code for each CLI bundle (scripts/build-bundle.js), one cache per bundle:
//   dist/cli/tsrunc-<verb>.cache  a verb's bundle, after a warm-up of that verb (and --version)
//   dist/cli/tsrunc.cache         the full CLI, after a warm-up of the parser (yargs) on `list`
// bin/tsrunc hands the bundle's cache to V8, which then skips parsing and compiling it at every
// start. V8 deserialises a whole cache eagerly (~4 ms for one of the whole CLI on this machine),
// so each holds only what its warm-up compiled: each is made in its own process, and no warm-up
// runs a verb through yargs unless yargs is what its bundle is for. V8 rejects a cache from another
// Node version; bin/tsrunc then simply compiles as before.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// NODE_FLAGS: the V8 flags bin/tsrunc runs with (its #! line); V8 rejects a cache made under others.
const { loadBundleScript, NODE_FLAGS } = require('../bin/tsrunc');

const repo = path.join(__dirname, '..');
const cliDir = path.join(repo, 'dist', 'cli');

/**
 * A container whose process is gone (a stopped one), so that state, start, kill and delete walk
 * their whole read path (lock, addon, state.json, status derivation) and V8 compiles all of it:
 * on a missing container they stop at the first open. No root and no real container needed.
 */
function stoppedContainer(root, id) {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const state = {
    ociVersion: '1.0.2', id, pid: spawnSync('true').pid, pidStartTime: '1', bundle: root, rootfs: path.join(root, 'rootfs'),
    created: new Date().toISOString(), owner: 'root', annotations: {},
    config: { ociVersion: '1.0.2', process: { args: ['true'], cwd: '/', env: ['PATH=/bin'] }, root: { path: 'rootfs' } },
  };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
}

/**
 * A "running" container whose init is this very process, with a v1 freezer cgroup that is a plain
 * directory in tmp: `state` walks the live path (paused or not) on it. Only `state`: it reads.
 */
function liveContainer(root, id) {
  const freezer = path.join(root, 'freezer');
  fs.mkdirSync(freezer, { recursive: true });
  fs.writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED\n');
  runningContainer(root, id);
  const file = path.join(root, id, 'state.json');
  const state = JSON.parse(fs.readFileSync(file, 'utf8'));
  state.cgroup = { dir: freezer, created: false, v1: { dirs: { freezer, '': freezer }, made: [] } };
  fs.writeFileSync(file, JSON.stringify(state));
}

// The cheap verbs on a stopped and a missing container: their whole read path (lock,
// addon, state.json, status derivation) and their error reports.
const cheap = (verb, ...rest) => async (cli, tmp) => {
  await cli.verbMain(['--version'], undefined);
  stoppedContainer(tmp, 'warm');
  await cli.verbMain(['--root', tmp, verb, ...rest, 'warm'], verb);
  stoppedContainer(tmp, 'warm');
  await cli.verbMain(['--root', tmp, '--log-format', 'json', verb, ...rest, 'warm'], verb);
  await cli.verbMain(['--root', tmp, verb, ...rest, 'missing'], verb);
};

async function warmUpState(cli, tmp) {
  await cheap('state')(cli, tmp);
  liveContainer(tmp, 'live');
  await cli.verbMain(['--root', tmp, 'state', 'live'], 'state');
}

async function warmUpKill(cli, tmp) {
  await cheap('kill')(cli, tmp);
  stoppedContainer(tmp, 'warm');
  await cli.verbMain(['--root', tmp, 'kill', 'warm', 'KILL'], 'kill');
  await cli.verbMain(['--root', tmp, 'kill', 'warm', '9'], 'kill');
}

async function warmUpDelete(cli, tmp) {
  await cheap('delete')(cli, tmp);
  stoppedContainer(tmp, 'warm');
  await cli.verbMain(['--root', tmp, 'delete', '--force', 'warm'], 'delete');
}

// create and run through validation, plan compilation and cgroup planning (which reads the host's
// cgroup mounts but changes nothing), up to the first step with an effect: the config asks for a
// terminal and no --console-socket is given, which create refuses before anything exists. The
// config is written by `tsrunc spec` in another process: spec goes through yargs, whose code would
// otherwise be in the cache for nothing.
const creating = (verb) => async (cli, tmp) => {
  execFileSync(process.execPath, [path.join(repo, 'bin', 'tsrunc'), 'spec', '--bundle', tmp]);
  const file = path.join(tmp, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  config.process.terminal = true;
  fs.writeFileSync(file, JSON.stringify(config));
  fs.mkdirSync(path.join(tmp, 'rootfs'));
  await cli.verbMain(['--root', path.join(tmp, 'root'), verb, '--bundle', tmp, 'warm'], verb);
  if (fs.existsSync(path.join(tmp, 'root'))) throw new Error(`build-code-cache: the ${verb} warm-up created a container`);
};

// The full CLI serves the verbs without a bundle of their own, all through yargs.
async function warmUpFull(cli, tmp) {
  stoppedContainer(tmp, 'warm');
  await cli.main(['--root', tmp, 'list']);
  await cli.main(['--root', tmp, 'list', '--format', 'json']);
}

/**
 * A "running" container whose init is this very process: exec then goes through its whole plan
 * (state, status, process.json validation, compileExec) and stops at the console check, before
 * anything is launched or signalled.
 */
function runningContainer(root, id) {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const stat = fs.readFileSync(`/proc/${process.pid}/stat`, 'latin1');
  const state = {
    ociVersion: '1.0.2', id, pid: process.pid, pidStartTime: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19],
    bundle: root, rootfs: path.join(root, 'rootfs'), created: new Date().toISOString(), owner: 'root', annotations: {},
    config: {
      ociVersion: '1.0.2',
      process: { args: ['true'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
      root: { path: 'rootfs' },
      linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }] },
    },
  };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
}

async function warmUpExec(cli, tmp) {
  runningContainer(tmp, 'warm');
  const proc = path.join(tmp, 'process.json');
  fs.writeFileSync(proc, JSON.stringify({ args: ['sh', '-c', 'true'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } }));
  const sock = path.join(tmp, 'console.sock'); // no tty: refused before anything is launched
  const g = ['--root', tmp, '--log', path.join(tmp, 'log'), '--log-format', 'json'];
  await cli.verbMain([...g, 'exec', '--process', proc, '--pid-file', path.join(tmp, 'pid'), '--console-socket', sock, '--detach', 'warm'], 'exec');
  await cli.verbMain([...g, 'exec', '--console-socket', sock, '--cwd', '/', '-e', 'A=1', 'warm', 'sh', '-c', 'true'], 'exec');
  await cli.verbMain([...g, 'exec', 'missing', 'true'], 'exec');
}

const verbProfile = (verb, warmUp) => ({ warmUp, bundle: path.join(cliDir, `tsrunc-${verb}.js`), file: path.join(cliDir, `tsrunc-${verb}.cache`) });
const PROFILES = {
  full: { warmUp: warmUpFull, bundle: path.join(cliDir, 'tsrunc.js'), file: path.join(cliDir, 'tsrunc.cache') },
  version: verbProfile('version', (cli) => cli.verbMain(['--version'], undefined)),
  state: verbProfile('state', warmUpState),
  start: verbProfile('start', cheap('start')),
  kill: verbProfile('kill', warmUpKill),
  delete: verbProfile('delete', warmUpDelete),
  create: verbProfile('create', creating('create')),
  run: verbProfile('run', creating('run')),
  exec: verbProfile('exec', warmUpExec),
};

async function build(profile) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cache-'));
  const writeSync = fs.writeSync;
  // Run commands whose output nobody needs: silence fds 1 and 2 meanwhile.
  fs.writeSync = (fd, ...rest) => (fd === 1 || fd === 2 ? 0 : writeSync(fd, ...rest));
  try {
    const { exports: cli, script } = loadBundleScript(profile.bundle, undefined);
    await profile.warmUp(cli, tmp);
    fs.writeSync = writeSync;
    fs.writeFileSync(profile.file, script.createCachedData());
  } finally {
    fs.writeSync = writeSync;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}


if (process.argv[2]) {
  const missing = NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length > 0) throw new Error(`build-code-cache: run it without arguments (a cache made without ${missing.join(' ')} would be rejected)`);
  build(PROFILES[process.argv[2]]);
} else {
  for (const name of Object.keys(PROFILES)) {
    execFileSync(process.execPath, [...NODE_FLAGS, __filename, name], { stdio: 'inherit' });
  }
}
