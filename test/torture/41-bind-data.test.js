'use strict';
// Bind mounts and host data (issue 14; the lesson of the project's origin: never remove a
// directory through a live mount). Lifecycles of containers that bind-mount host directories -
// nested, read-only, recursive with submounts under them, a file, and binds over directories of
// the rootfs - ended every way a container ends: exiting in the foreground, `delete --force` of a
// created or a running one, kill + delete, and `delete` processes SIGKILLed at random instants
// followed by `delete --force` again. After every lifecycle the host trees are checksummed
// (treeDigest) and compared with the snapshot taken before the first: no file lost or modified;
// and nothing of the container is left (findLeaks: mounts in any namespace, processes, cgroups,
// state). Figures: "data: lifecycles", "data: files lost", "data: files modified",
// "data: mounts left".
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, sleep, hostMounts } = require('../helpers/runtime');
const { findLeaks, countLeaks, treeDigest, treeDiff } = require('./lib/leaks');
const { trials, figure, LONG } = require('./lib/figures');
const { prng } = require('./lib/prng');

const LIFECYCLES = trials(80, 1000);


/** Fills `dir` with `n` files of random content spread over a few nested directories. */
function populate(dir, n, tag) {
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, ...(i % 3 === 0 ? [] : [`d${i % 4}`, ...(i % 5 === 0 ? ['deep'] : [])]));
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `${tag}-${i}.bin`), crypto.randomBytes(64 + (i * 37) % 4096));
  }
}

/** Mounts `args` on the host for the test; unmounted (lazily, deepest first) at teardown. */
function hostMount(t, setup, args, target) {
  execFileSync('mount', [...args, target]);
  setup.mounts.push(target);
}

/**
 * The host data the containers bind-mount:
 *   plain/             rw bind at /data (rbind), holding nested/ - itself bound at /data/nested and,
 *                      read-only, at /nested - and secret/, masked, and rodir/, read-only paths
 *   ro/                bind at /ro with "ro"
 *   rb/                rbind at /rb: a tmpfs at rb/sub and a bind of other/ at rb/bsub under it
 *   other/             the source of rb/bsub
 *   file.txt           a file bind at /etc/data.txt
 *   over/              bound over the rootfs's /tmp and /var (directories of the image)
 *   scratch/           the one place the containers write (not checksummed)
 */
function makeData(t, rt) {
  const base = rt.hostDir('data');
  const setup = { base, mounts: [], trees: {} };
  for (const d of ['plain', 'ro', 'rb', 'other', 'over', 'scratch']) fs.mkdirSync(path.join(base, d));
  populate(path.join(base, 'plain'), 24, 'plain');
  fs.mkdirSync(path.join(base, 'plain/nested'));
  populate(path.join(base, 'plain/nested'), 12, 'nested');
  fs.mkdirSync(path.join(base, 'plain/secret'));
  populate(path.join(base, 'plain/secret'), 3, 'secret');
  fs.mkdirSync(path.join(base, 'plain/rodir'));
  populate(path.join(base, 'plain/rodir'), 3, 'rodir');
  populate(path.join(base, 'ro'), 12, 'ro');
  populate(path.join(base, 'rb'), 12, 'rb');
  populate(path.join(base, 'other'), 8, 'other');
  populate(path.join(base, 'over'), 8, 'over');
  fs.writeFileSync(path.join(base, 'file.txt'), crypto.randomBytes(1000));
  for (const d of ['rb/sub', 'rb/bsub']) fs.mkdirSync(path.join(base, d));
  t.teardown(() => {
    for (const m of setup.mounts.reverse()) { try { execFileSync('umount', ['-l', m]); } catch { /* gone */ } }
  });
  hostMount(t, setup, ['-t', 'tmpfs', '-o', 'size=4m', 'tsrunc-data-sub'], path.join(base, 'rb/sub'));
  populate(path.join(base, 'rb/sub'), 8, 'sub');
  hostMount(t, setup, ['--bind', path.join(base, 'other')], path.join(base, 'rb/bsub'));
  // Each filesystem separately: treeDigest never crosses a mount (the submounts show as such).
  for (const d of ['plain', 'ro', 'rb', 'rb/sub', 'other', 'over']) setup.trees[d] = treeDigest(path.join(base, d));
  setup.fileDigest = crypto.createHash('sha256').update(fs.readFileSync(path.join(base, 'file.txt'))).digest('hex');
  return setup;
}

/** {lost, modified, details}: what changed in the host data since makeData(). */
function dataChanges(setup) {
  let lost = 0;
  let modified = 0;
  const details = [];
  for (const [d, before] of Object.entries(setup.trees)) {
    const after = treeDigest(path.join(setup.base, d));
    if (after.digest === before.digest) continue;
    for (const line of treeDiff(before, after)) {
      details.push(`${d}/${line}`);
      if (line.endsWith('-> gone')) lost++;
      else modified++;
    }
  }
  const file = path.join(setup.base, 'file.txt');
  if (!fs.existsSync(file)) { lost++; details.push('file.txt: gone'); } else if (crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') !== setup.fileDigest) {
    modified++;
    details.push('file.txt: changed');
  }
  const mounted = new Set(hostMounts().map((m) => m.mountPoint));
  for (const m of setup.mounts) if (!mounted.has(m)) { lost++; details.push(`host submount ${m}: unmounted`); }
  return { lost, modified, details };
}

/** The config: every kind of bind of the host data, and a process that reads through them. */
function dataConfig(setup, variant) {
  const d = (p) => path.join(setup.base, p);
  return (c) => {
    c.root.readonly = variant % 2 === 0;
    c.mounts.push(
      { destination: '/data', type: 'bind', source: d('plain'), options: ['rbind'] },
      { destination: '/data/nested', type: 'bind', source: d('plain/nested'), options: ['bind'] },
      { destination: '/nested', type: 'bind', source: d('plain/nested'), options: ['bind', 'ro'] },
      { destination: '/ro', type: 'bind', source: d('ro'), options: ['bind', 'ro'] },
      { destination: '/rb', type: 'bind', source: d('rb'), options: variant % 3 === 0 ? ['rbind', 'rro'] : ['rbind'] },
      { destination: '/etc/data.txt', type: 'bind', source: d('file.txt'), options: ['bind', 'ro'] },
      { destination: '/tmp', type: 'bind', source: d('over'), options: ['bind', 'ro'] },
      { destination: '/var', type: 'bind', source: d('over'), options: ['rbind', 'ro'] },
      { destination: '/scratch', type: 'bind', source: d('scratch'), options: ['bind'] },
    );
    c.linux.maskedPaths = ['/data/secret'];
    c.linux.readonlyPaths = ['/data/rodir'];
    c.process.cwd = '/data/nested';
    c.process.args = ['sh', '-c', 'ls -R /data /nested /ro /rb /tmp > /dev/null; cat /etc/data.txt > /dev/null; echo $$ >> /scratch/log; exec sleep 1000'];
  };
}

/** The ways a lifecycle ends (lifecycle() picks one and says which it ran). */
const ENDINGS = ['run', 'force-running', 'force-created', 'kill-delete', 'killed-delete-force', 'killed-delete-stopped',
  'create-fails', 'killed-create'];

async function lifecycle(rt, bundles, rand, killWindow) {
  const ending = ENDINGS[Math.floor(rand() * ENDINGS.length)];
  const bundle = bundles[Math.floor(rand() * bundles.length)];
  const id = rt.id('data');
  const must = async (args) => {
    const r = await rt.runtime(args);
    if (r.code !== 0) throw new Error(`${ending}: ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  let killed = false;
  /** Spawns `delete` with `flags`, SIGKILLs it at a random instant, then `delete --force`. */
  const killedDelete = async (flags) => {
    const { child, done } = rt.spawnRuntime(['delete', ...flags, id]);
    await sleep(rand() * killWindow());
    child.kill('SIGKILL');
    const r = await done;
    killed = r.signal === 'SIGKILL';
    await must(['delete', '--force', id]);
  };
  if (ending === 'run') {
    // The process exits by itself: ls through every bind, then `run` deletes the container.
    const r = await rt.runtime(['run', '--bundle', bundle.run, id]);
    if (r.code !== 0) throw new Error(`run failed (${r.code}): ${r.stderr}`);
    return { ending, id };
  }
  if (ending === 'create-fails') {
    // The last mount fails after every bind is in place: create's own clean-up runs with them.
    const r = await rt.runtime(['create', '--bundle', bundle.fails, id]);
    if (r.code === 0 || !/mounts\/\d+/.test(r.stderr)) throw new Error(`create-fails: create gave ${r.code}: ${r.stderr}`);
    return { ending, id };
  }
  if (ending === 'killed-create') {
    const { child, done } = rt.spawnRuntime(['create', '--bundle', bundle.sleep, id]);
    await sleep(rand() * killWindow() * 2);
    child.kill('SIGKILL');
    const createKilled = (await done).signal === 'SIGKILL';
    await must(['delete', '--force', id]);
    return { ending, id, createKilled };
  }
  await must(['create', '--bundle', bundle.sleep, id]);
  if (ending === 'force-created') {
    await must(['delete', '--force', id]);
    return { ending, id };
  }
  await must(['start', id]);
  if (ending === 'force-running') {
    const t0 = Date.now();
    await must(['delete', '--force', id]);
    return { ending, id, deleteMs: Date.now() - t0 };
  }
  else if (ending === 'killed-delete-force') await killedDelete(['--force']);
  else {
    await must(['kill', id, 'KILL']);
    await rt.waitForStatus(id, 'stopped');
    if (ending === 'kill-delete') await must(['delete', id]);
    else await killedDelete([]);
  }
  return { ending, id, killed };
}

test(`${LIFECYCLES} lifecycles with bind-mounted host data: nothing lost, modified or left mounted`, async (t) => {
  t.timeout(LONG ? 50 * 60000 : 6 * 60000);
  const rt = useRuntime(t);
  const setup = makeData(t, rt);
  const seed = Number(process.env.TSRUNC_TORTURE_SEED) || Date.now() % 1e9;
  t.log(`seed ${seed} (TSRUNC_TORTURE_SEED replays it)`);
  const rand = prng(seed);
  // A few bundles, reused (copying a rootfs per lifecycle would measure cp): each config variant,
  // with a process that exits and one that sleeps.
  const bundles = [0, 1, 2, 3, 4, 5].map((variant) => ({
    run: rt.makeBundle((c) => { dataConfig(setup, variant)(c); c.process.args[2] = c.process.args[2].replace('exec sleep 1000', 'true'); }).dir,
    sleep: rt.makeBundle(dataConfig(setup, variant)).dir,
    fails: rt.makeBundle((c) => {
      dataConfig(setup, variant)(c);
      c.mounts.push({ destination: '/etc/passwd/under-a-file', type: 'tmpfs', source: 'tmpfs' });
    }).dir,
  }));
  const hostSetupMounts = new Set(setup.mounts);
  const orphanCgroups = [];
  t.teardown(() => {
    // Empty by now (their processes are gone): removed, deepest first, so the host keeps nothing.
    for (const dir of orphanCgroups.sort((a, b) => b.length - a.length)) { try { fs.rmdirSync(dir); } catch { /* gone */ } }
  });
  // The kill window follows how long a `delete` takes here (a kill after it ends tests nothing).
  const deleteTimes = [];
  const killWindow = () => (deleteTimes.length ? 1.3 * deleteTimes.sort((a, b) => a - b)[deleteTimes.length >> 1] : 300);

  let lost = 0;
  let modified = 0;
  let mountsLeft = 0;
  let leaksFound = 0;
  let deletesKilled = 0; // `delete` processes the SIGKILL reached before they were done
  let createsKilled = 0;
  const problems = [];
  const endings = {};
  for (let i = 0; i < LIFECYCLES; i++) {
    let run;
    try {
      run = await lifecycle(rt, bundles, rand, killWindow);
    } catch (e) {
      problems.push(`lifecycle ${i}: ${e.message}`);
      break;
    }
    if (run.deleteMs && deleteTimes.length < 20) deleteTimes.push(run.deleteMs);
    if (run.killed) deletesKilled++;
    if (run.createKilled) createsKilled++;
    endings[run.ending] = (endings[run.ending] ?? 0) + 1;
    const changes = dataChanges(setup);
    lost += changes.lost;
    modified += changes.modified;
    const leaks = await findLeaks(rt, [run.id]);
    // A create killed before it saved its state leaves its cgroups (and the clean-up of that is
    // the crash-consistency suite's, test/torture/1x): here only what touches data counts for it.
    if (run.ending === 'killed-create') {
      orphanCgroups.push(...leaks.cgroups);
      leaks.cgroups = [];
    }
    // The host's own submounts of rb/ (and their copies in other namespaces) are the test's.
    leaks.mounts = leaks.mounts.filter((m) => ![...hostSetupMounts].some((p) => m.includes(`: ${p} [`)));
    mountsLeft += leaks.mounts.length;
    leaksFound += countLeaks(leaks);
    if (changes.details.length || countLeaks(leaks)) {
      problems.push(`lifecycle ${i} (${run.ending}): ${JSON.stringify({ changes: changes.details, leaks })}`);
      break;
    }
  }
  const done = Object.values(endings).reduce((a, b) => a + b, 0);
  figure('data: lifecycles', done);
  figure('data: files lost', lost);
  figure('data: files modified', modified);
  figure('data: mounts left', mountsLeft);
  figure('data: deletes killed mid-way', deletesKilled);
  figure('data: creates killed mid-way', createsKilled);
  t.log(`endings: ${JSON.stringify(endings)}; kill window ${killWindow().toFixed(0)} ms`);
  t.deepEqual(problems, []);
  t.is(done, LIFECYCLES);
  t.is(lost + modified + leaksFound, 0);
});

// runc replaces nothing at a device path: an existing entry is kept (its mknod fails with EEXIST).
// tsrunc replaces what the image has there (an empty file, a link: see 40-hostile-rootfs), but never
// an entry of a host directory bind-mounted into the container: that is host data.
test('a device path inside a bind-mounted host dir never removes the host\'s file', async (t) => {
  const rt = useRuntime(t);
  const host = rt.hostDir('devdir');
  fs.writeFileSync(path.join(host, 'fuse'), 'host data\n');
  const before = treeDigest(host);
  const r = await rt.run((c) => {
    c.mounts.push({ destination: '/dev/hostdir', type: 'bind', source: host, options: ['bind'] });
    c.linux.devices = [{ path: '/dev/hostdir/fuse', type: 'c', major: 10, minor: 229 }];
    c.process.args = ['cat', '/dev/hostdir/fuse'];
  });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'host data\n', 'the container sees the host\'s file, kept');
  t.deepEqual(treeDiff(before, treeDigest(host)), [], 'the host dir is unchanged');
});

// A host dir bound over the whole /dev: tsrunc makes no device, link or console in it (runc's rule),
// so nothing is created or removed there.
test('a host dir bound over /dev is left as it was', async (t) => {
  const rt = useRuntime(t);
  const host = rt.hostDir('dev');
  populate(host, 6, 'dev');
  fs.writeFileSync(path.join(host, 'null'), 'not a device\n');
  const before = treeDigest(host);
  const r = await rt.run((c) => {
    for (const d of ['/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']) c.mounts = c.mounts.filter((m) => m.destination !== d);
    c.mounts.push({ destination: '/dev', type: 'bind', source: host, options: ['rbind'] });
    c.process.args = ['sh', '-c', 'ls /dev | wc -l'];
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(treeDiff(before, treeDigest(host)), []);
});

// The state directory holds only tsrunc's files, and `delete` removes it recursively. Should another
// tool have mounted host data there, that mount is detached first and the remove never goes through
// it. (Node's rmSync stops at a mount point with EBUSY, so no data was lost before, but `delete
// --force` failed and left the container's state and the mount behind.) Both ways to that remove: the
// `delete --force` of a container, and that of a state dir a killed `create` left without a state file.
for (const stale of [false, true]) {
  test(`a host dir mounted under the state dir of ${stale ? 'a half-created' : 'a running'} container survives delete --force`, async (t) => {
    const rt = useRuntime(t);
    const data = rt.hostDir('precious');
    populate(data, 10, 'precious');
    const before = treeDigest(data);
    let id;
    if (stale) {
      id = rt.id('stale');
      fs.mkdirSync(path.join(rt.root, id), { recursive: true }); // what a create killed before its state file leaves
    } else {
      ({ id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } }));
    }
    const mnt = path.join(rt.root, id, 'mnt');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['--bind', data, mnt]);
    t.teardown(() => { try { execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }); } catch { /* detached */ } });
    const r = await rt.runtime(['delete', '--force', id]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(treeDiff(before, treeDigest(data)), [], 'the host data behind the mount is intact');
    t.false(fs.existsSync(path.join(rt.root, id)), 'the state dir is gone');
    t.deepEqual(hostMounts().filter((m) => m.mountPoint.startsWith(rt.root + '/')), [], 'the mount was detached');
  });
}

// What a `delete` SIGKILLed while it removed the cgroups leaves: a stopped container with some of
// its (empty) cgroup directories gone. The next `delete` finishes the job (it used to fail trying to
// freeze a gone freezer cgroup, so the container could never be deleted).
test('a delete killed half-way through removing the cgroups: the next delete finishes', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  const { cgroup } = JSON.parse(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8'));
  const made = cgroup.v1 ? cgroup.v1.made : [cgroup.dir];
  // The freezer first, as the v1 driver removes it (any one will do on v2).
  const gone = made.find((d) => d.includes('/freezer/')) ?? made[0];
  fs.rmdirSync(gone);
  const r = await rt.runtime(['delete', id]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(await findLeaks(rt, [id]), { processes: [], mounts: [], cgroups: [], state: [], fds: [] });
});
