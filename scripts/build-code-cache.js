// Builds V8's compiled code for each CLI bundle (scripts/build-bundle.js), one cache per bundle:
//   dist/cli/tsrunc.cache      the full CLI, after a warm-up that walks the command-line parser,
//                              config loading, validation and plan compilation (nothing that needs
//                              root)
//   dist/cli/tsrunc-hot.cache  the hot bundle, after a warm-up of state/start/kill/delete/--version
//   dist/cli/tsrunc.exec.cache the full CLI again, after a warm-up of exec only (exec's path is
//                              not the compiler's: the full cache would be mostly dead weight)
// bin/tsrunc hands the bundle's cache to V8, which then skips parsing and compiling it at every
// start. V8 deserialises a whole cache eagerly (~4 ms for the full one on this machine), so each
// holds only what its warm-up compiled: each is made in its own process. V8 rejects a cache from
// another Node version; bin/tsrunc then simply compiles as before.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadBundleScript } = require('../bin/tsrunc');

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

async function warmUpHot(cli, tmp) {
  await cli.hotMain(['--version']);
  liveContainer(tmp, 'live');
  await cli.hotMain(['--root', tmp, 'state', 'live']);
  stoppedContainer(tmp, 'warm');
  await cli.hotMain(['--root', tmp, 'state', 'warm']);
  await cli.hotMain(['--root', tmp, 'start', 'warm']);
  await cli.hotMain(['--root', tmp, 'kill', 'warm', 'KILL']);
  await cli.hotMain(['--root', tmp, 'delete', 'warm']);
  stoppedContainer(tmp, 'warm');
  await cli.hotMain(['--root', tmp, 'delete', '--force', 'warm']);
  await cli.hotMain(['--root', tmp, 'state', 'missing']);
  await cli.hotMain(['--root', tmp, 'start', 'missing']);
  await cli.hotMain(['--root', tmp, '--log-format', 'json', 'kill', 'missing', 'KILL']);
  await cli.hotMain(['--root', tmp, 'delete', '--force', 'missing']);
  await cli.hotMain(['--root', tmp, 'delete', 'missing']);
}

// create and run only: the verbs the full bundle serves most (state, start, kill and delete go to
// the hot bundle). No verb that goes through yargs: its code would be deserialised at every create
// and run, for nothing. The config is written by `tsrunc spec` in another process, for the same reason.
async function warmUpFull(cli, tmp) {
  execFileSync(process.execPath, [path.join(repo, 'bin', 'tsrunc'), 'spec', '--bundle', tmp]);
  // create up to the point where root would be needed: the rootfs is missing, so loading
  // fails after schema and semantic validation.
  await cli.main(['--root', tmp, 'create', '--bundle', tmp, 'warm']);
  await cli.main(['--root', tmp, 'run', '--bundle', tmp, 'warm']);
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
  await cli.main([...g, 'exec', '--process', proc, '--pid-file', path.join(tmp, 'pid'), '--console-socket', sock, '--detach', 'warm']);
  await cli.main([...g, 'exec', '--console-socket', sock, '--cwd', '/', '-e', 'A=1', 'warm', 'sh', '-c', 'true']);
  await cli.main([...g, 'exec', 'missing', 'true']);
}

const PROFILES = {
  full: { warmUp: warmUpFull, bundle: path.join(cliDir, 'tsrunc.js'), file: path.join(cliDir, 'tsrunc.cache') },
  hot: { warmUp: warmUpHot, bundle: path.join(cliDir, 'tsrunc-hot.js'), file: path.join(cliDir, 'tsrunc-hot.cache') },
  exec: { warmUp: warmUpExec, bundle: path.join(cliDir, 'tsrunc.js'), file: path.join(cliDir, 'tsrunc.exec.cache') },
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
  build(PROFILES[process.argv[2]]);
} else {
  for (const name of Object.keys(PROFILES)) {
    execFileSync(process.execPath, [__filename, name], { stdio: 'inherit' });
  }
}
