'use strict';
// Random hostile rootfs trees (issue 14), beside 40-hostile-rootfs's named cases: each trial plants
// symlinks (to host paths, to "/", climbing with "..", through magic links, to each other), FIFOs,
// files and directories at the paths a random config then makes tsrunc touch (mount destinations,
// maskedPaths, readonlyPaths, the cwd, device nodes, /dev, /proc, /sys). Whatever the mix:
//   - nothing outside the rootfs changes: the canary host dir and the bind sources (treeDigest),
//     the host's device nodes, no mount of the container in any other mount namespace;
//   - create either refuses, naming the config field (a JSON pointer), or runs the container;
//   - nothing is left after delete --force (processes, mounts, cgroups, state).
// Figures: "hostile: random trials", "hostile: random refusals", "hostile: escapes".
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime } = require('../helpers/runtime');
const { findLeaks, NO_LEAKS, mountsUnder, hostDevices, treeDigest, treeDiff } = require('./lib/leaks');
const { trials, figure, LONG } = require('./lib/figures');
const { prng } = require('./lib/prng');
const { hostCanaries } = require('./lib/canaries');

const TRIALS = trials(16, 200);


// Container paths the config may point tsrunc at, and where the rootfs may plant things.
const PATHS = ['/a', '/a/b', '/a/b/c', '/m', '/m/sub', '/work', '/etc/x', '/etc/secret', '/proc', '/sys', '/dev',
  '/dev/pts', '/dev/null', '/dev/sub', '/dev/sub/node', '/tmp/t', '/var/v'];
// What a planted link points at ($VICTIM: the canary's host path, $NAME: its name).
const TARGETS = ['$VICTIM', '$VICTIM/sub', '$VICTIM/file', '../../../$NAME', '../../../../$NAME/sub', '/', '..', '../..',
  '../../../..', '/proc/self/root', '/proc/self/cwd', '/proc/1/root/$NAME', '/a', '/a/b', '/m', '/etc/passwd', '/dev/null',
  'x/../../../$NAME', '/nonexistent/deep', '/work/../../$NAME'];

function makeTrial(rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const some = (list, p) => list.filter(() => rand() < p);
  const plants = [];
  for (const p of some(PATHS, 0.2)) {
    const r = rand();
    if (r < 0.6) plants.push([p, 'link', pick(TARGETS)]);
    else if (r < 0.75) plants.push([p, 'fifo']);
    else if (r < 0.9) plants.push([p, 'file', 'planted\n']);
    else plants.push([p, 'dir']);
  }
  const mounts = some(PATHS.filter((p) => !['/proc', '/sys', '/dev'].includes(p)), 0.1).map((p) => {
    const r = rand();
    if (r < 0.4) return { destination: p, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] };
    if (r < 0.7) return { destination: p, type: 'bind', source: '$SRC', options: ['rbind', ...(rand() < 0.5 ? ['ro'] : [])] };
    return { destination: p, type: 'bind', source: '$SRCFILE', options: ['bind'] };
  });
  return {
    plants,
    mounts,
    noDevTmpfs: rand() < 0.4,
    masked: some(PATHS, 0.08),
    readonly: some(PATHS, 0.08),
    cwd: rand() < 0.3 ? pick(PATHS) : '/',
    devices: rand() < 0.3 ? [{ path: pick(PATHS.filter((p) => p.startsWith('/dev/'))), type: 'c', major: 1, minor: 3 }] : [],
    rootReadonly: rand() < 0.5,
  };
}

/**
 * The real directories of the rootfs leading to `rel` (created when missing), or null when one of
 * them is a planted link, file or FIFO: planting goes on the host, and must not follow a link out.
 */
function realParent(rootfs, rel) {
  let dir = rootfs;
  for (const part of path.dirname(rel).split('/').filter(Boolean)) {
    dir = path.join(dir, part);
    let st;
    try { st = fs.lstatSync(dir); } catch { fs.mkdirSync(dir); continue; }
    if (!st.isDirectory()) return null;
  }
  return dir;
}

/** Plants `entries` in the rootfs; one under an earlier planted link, file or FIFO is skipped. */
function plant(rootfs, entries, fill) {
  for (const [rel, kind, arg] of entries) {
    const parent = realParent(rootfs, rel);
    if (parent === null) continue;
    const p = path.join(parent, path.basename(rel));
    fs.rmSync(p, { recursive: true, force: true });
    if (kind === 'link') fs.symlinkSync(fill(arg), p);
    else if (kind === 'fifo') execFileSync('mkfifo', [p]);
    else if (kind === 'file') fs.writeFileSync(p, arg);
    else fs.mkdirSync(p);
  }
}

test(`${TRIALS} random hostile rootfs trees: nothing outside the rootfs changes, every refusal names its field`, async (t) => {
  t.timeout(LONG ? 40 * 60000 : 5 * 60000);
  const rt = useRuntime(t);
  const seed = Number(process.env.TSRUNC_TORTURE_SEED) || Date.now() % 1e9;
  t.log(`seed ${seed} (TSRUNC_TORTURE_SEED replays it)`);
  const rand = prng(seed);

  const { victim, src, srcFile, fill } = hostCanaries(rt);
  const before = { victim: treeDigest(victim), src: treeDigest(src), srcFile: treeDigest(path.dirname(srcFile)) };
  const devices = hostDevices();

  let done = 0;
  let refusals = 0;
  let escapes = 0;
  const problems = [];
  for (let i = 0; i < TRIALS && problems.length === 0; i++, done++) {
    const trial = makeTrial(rand);
    const bundle = rt.makeBundle((c) => {
      if (trial.noDevTmpfs) c.mounts = c.mounts.filter((m) => m.destination !== '/dev');
      c.mounts.push(...trial.mounts.map((m) => ({ ...m, source: fill(m.source) })));
      c.linux.maskedPaths = trial.masked;
      c.linux.readonlyPaths = trial.readonly;
      c.linux.devices = trial.devices;
      c.process.cwd = trial.cwd;
      c.root.readonly = trial.rootReadonly;
      c.process.args = ['sleep', '1000'];
    });
    plant(bundle.rootfs, trial.plants, fill);
    const id = rt.id('rnd');
    const what = `trial ${i} ${JSON.stringify(trial)}`;
    const created = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    if (created.code !== 0) {
      refusals++;
      // "(config.json /x/y)" from the init, "invalid config.json: /x/y: ..." from the compiler.
      if (!/config\.json:? \/[A-Za-z]/.test(created.stderr)) problems.push(`${what}: a refusal naming no field: ${created.stderr}`);
      const reason = (created.stderr.match(/msg="(?:container init failed: |invalid config\.json: )?([^"]*)"/) || [])[1];
      if (refusals <= 5) t.log(`refused: ${reason}`);
    } else {
      const { state } = await rt.state(id);
      let ns = null;
      try { ns = fs.readlinkSync(`/proc/${state.pid}/ns/mnt`); } catch { /* died after create */ }
      if (ns === null) problems.push(`${what}: the init died after a successful create: ${created.stderr} ${JSON.stringify(state)}`);
      const foreign = mountsUnder(rt.base).filter((m) => !ns || !m.startsWith(ns + ' '));
      if (foreign.length) problems.push(`${what}: mounts in other namespaces: ${foreign.join('; ')}`);
      const started = await rt.runtime(['start', id]);
      if (started.code !== 0) problems.push(`${what}: start failed: ${started.stderr}`);
    }
    await rt.runtime(['delete', '--force', id]);
    // The bind sources are rw host dirs in the container: a later mount nested in one (or led into
    // one by a planted link) gets its mount point made there, as runc makes it. Only that is allowed.
    const mountPoint = (dir) => (line) => {
      const m = line.match(/^(.*): added$/);
      if (!m) return false;
      const st = fs.lstatSync(path.join(dir, m[1]));
      return st.isDirectory() || (st.isFile() && st.size === 0);
    };
    const changed = [
      ...treeDiff(before.victim, treeDigest(victim)).map((d) => `victim/${d}`),
      ...treeDiff(before.src, treeDigest(src)).filter((d) => !mountPoint(src)(d)).map((d) => `src/${d}`),
      ...treeDiff(before.srcFile, treeDigest(path.dirname(srcFile))).map((d) => `srcfile/${d}`),
    ];
    if (changed.length) {
      escapes++;
      problems.push(`${what}: changed outside the rootfs: ${changed.join('; ')}`);
    }
    const leaks = await findLeaks(rt, [id]);
    if (JSON.stringify(leaks) !== JSON.stringify(NO_LEAKS)) problems.push(`${what}: left behind: ${JSON.stringify(leaks)}`);
    // The rootfs copies add up (and may hold FIFOs): each trial's goes once it is done.
    execFileSync('rm', ['-rf', '--one-file-system', bundle.dir]);
  }
  figure('hostile: random trials', done);
  figure('hostile: random refusals', refusals);
  figure('hostile: escapes', escapes);
  t.log(`${refusals} of ${done} refused (each naming its field)`);
  t.deepEqual(problems, []);
  t.deepEqual(hostDevices(), devices, 'host device nodes unchanged');
});
