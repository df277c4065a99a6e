// tsrunc bundle (issue 27): containers from bundles of one image - isolation, sharing, removal.
// - Two containers of one image write to the same path: each sees its own file, the layer store is
//   unchanged (checksummed), the second bundle's disk is only its upper dir.
// - A second bundle of an image (oci-archive, docker-archive) costs only the overlay mount: traced,
//   it reads only the archive's headers and metadata, writes nothing in the store, mounts once.
// - The seed scenario: a container writes into an anonymous volume and a bind-mounted host
//   directory, is killed, deleted, its bundle removed: both data sets intact, no mount left.
// - After a reboot (the overlay gone, the store kept) `bundle mount` puts the rootfs back from the
//   store alone: no layer unpacked or touched, the image not needed, the upper dir's writes kept.
// - `bundle rm` refuses while a container of the bundle exists, and a removal killed at each of its
//   steps is finished by running it again.
// The overlay is mounted by `bundle create` on the host: `delete` leaves it (and the upper dir's
// data) alone; `bundle rm` unmounts it. The container runs under RUNTIME (runc side by side).
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { useRuntime, hostMounts, waitFor, sleep } = require('./helpers/runtime');
const { useTestImages, treeDigest } = require('./helpers/images');
const { tool, TSRUNC, createScenarioBundle } = require('./helpers/bundle-scenario');

const images = useTestImages(test);

const storeOf = (rt) => path.join(rt.base, 'store');
const duKiB = (dir) => Number(execFileSync('du', ['-skx', dir], { encoding: 'utf8' }).split('\t')[0]);
const mountsUnder = (dir) => hostMounts().map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(dir + '/'));

test('two containers of one image write the same path: each sees its own, the layers never change, the second bundle costs its upper dir', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  const image = `oci-archive:${images.ociArchive}`;
  const make = (name, word) => {
    const dir = path.join(rt.base, name);
    const r = tool(rt, ['bundle', 'create', '--store', store, '--image', image, dir, '--', `echo ${word} > /etc/five; rm /etc/link; cat /etc/five /etc/hl2`]);
    t.is(r.code, 0, r.stderr);
    t.teardown(() => tool(rt, ['bundle', 'rm', dir]));
    return dir;
  };
  const a = make('a', 'one');
  const layers = path.join(store, 'layers');
  const before = treeDigest(layers);
  const sizeBefore = duKiB(layers);
  const b = make('b', 'two');
  t.is(duKiB(layers), sizeBefore, 'the second bundle unpacked nothing');
  const ra = await rt.runtime(['run', '--bundle', a, rt.id('a')]);
  const rb = await rt.runtime(['run', '--bundle', b, rt.id('b')]);
  t.is(ra.code, 0, ra.stderr);
  t.is(rb.code, 0, rb.stderr);
  t.is(ra.stdout, 'one\nhl\n');
  t.is(rb.stdout, 'two\nhl\n');
  t.is(fs.readFileSync(path.join(a, 'rootfs/etc/five'), 'utf8'), 'one\n');
  t.is(fs.readFileSync(path.join(b, 'rootfs/etc/five'), 'utf8'), 'two\n');
  t.false(fs.existsSync(path.join(a, 'rootfs/etc/link')));
  t.is(treeDigest(layers), before, 'the layer store is unchanged');
  // The bundle's own disk: config, record and the upper dir (-x: the rootfs overlay is not counted).
  const upper = duKiB(path.join(b, 'overlay/upper'));
  const bundle = duKiB(b);
  t.log(`image layers ${duKiB(layers)} KiB; second bundle ${bundle} KiB, of which upper ${upper} KiB`);
  t.true(bundle - upper <= 24, `bundle ${bundle} KiB beyond its upper ${upper} KiB`);
  t.true(upper < 64, `upper ${upper} KiB`);
  t.true(duKiB(layers) > 1500);
});

test('a second bundle of an image costs only the overlay mount: the archive\'s layers are never read, nothing is unpacked or copied', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  const layers = path.join(store, 'layers');
  for (const [ref, archive] of [[`oci-archive:${images.ociArchive}`, images.ociArchive], [`docker-archive:${images.dockerArchive}`, images.dockerArchive]]) {
    const first = path.join(rt.base, `first-${path.basename(archive)}`);
    let r = tool(rt, ['bundle', 'create', '--store', store, '--image', ref, first]);
    t.is(r.code, 0, r.stderr);
    t.teardown(() => tool(rt, ['bundle', 'rm', first]));
    const before = [treeDigest(layers), duKiB(layers)];
    // The second bundle, every file access and mount traced (-y: each fd's path).
    const second = path.join(rt.base, `second-${path.basename(archive)}`);
    const trace = path.join(rt.base, `strace-${path.basename(archive)}`);
    execFileSync('strace', ['-f', '-qq', '-y', '-o', trace, '-e', 'trace=read,pread64,openat,mkdir,mkdirat,mknodat,mount,rename,renameat2,linkat,copy_file_range,sendfile',
      TSRUNC, '--root', rt.root, 'bundle', 'create', '--store', store, '--image', ref, second], { stdio: 'ignore', timeout: 120000 });
    t.teardown(() => tool(rt, ['bundle', 'rm', second]));
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    const bytesFromArchive = lines.filter((l) => /^\d+\s+p?read(64)?\(\d+</.test(l) && l.includes(`<${archive}>`)).reduce((n, l) => n + Math.max(0, Number(/= (-?\d+)/.exec(l)?.[1] ?? 0)), 0);
    const archiveSize = fs.statSync(archive).size;
    t.log(`${path.basename(archive)}: ${archiveSize} bytes; the second bundle read ${bytesFromArchive} of them`);
    t.true(bytesFromArchive > 0 && bytesFromArchive < 64 * 1024, `${bytesFromArchive} bytes read from the archive`);
    // (The image's VOLUME is a new anonymous volume per bundle, seeded, as Docker does: the volume
    // store is written; the layer store and its temp directory are not.)
    const written = lines.filter((l) => (/O_CREAT|O_WRONLY|O_RDWR/.test(l) && /openat\(/.test(l)) || /mkdir|mknodat|rename|linkat|copy_file_range|sendfile/.test(l)).filter((l) => l.includes(layers) || l.includes(`${store}/tmp`));
    t.deepEqual(written, [], 'nothing made or written in the layer store');
    const mounts = lines.filter((l) => /\bmount\(/.test(l));
    t.is(mounts.length, 1, mounts.join('\n'));
    t.regex(mounts[0], /mount\("overlay", "[^"]*second[^"]*\/rootfs", "overlay"/);
    t.deepEqual([treeDigest(layers), duKiB(layers)], before, 'the layer store is unchanged');
    // Its own: config.json, the record and five empty directories (rootfs, overlay, upper, work, work/work).
    t.true(duKiB(second) <= 32, `the second bundle takes ${duKiB(second)} KiB of its own`);
    r = await rt.runtime(['run', '--bundle', second, rt.id('s')]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'hi\n');
  }
});

test('after a reboot (mounts gone, store kept) bundle mount puts the rootfs back from the store: nothing unpacked, the image not read, the writes kept', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  // A private copy of the image, deleted before the re-mount: the layer store is all it needs.
  const archive = path.join(rt.base, 'img.tar');
  fs.copyFileSync(images.ociArchive, archive);
  const dir = path.join(rt.base, 'rb');
  const rootfs = path.join(dir, 'rootfs');
  let r = tool(rt, ['bundle', 'create', '--store', store, '--image', `oci-archive:${archive}`, dir, '--', 'cat /etc/mine 2>/dev/null || echo none; echo kept > /etc/mine; cat /etc/five']);
  t.is(r.code, 0, r.stderr);
  t.teardown(() => tool(rt, ['bundle', 'rm', dir]));
  let run = await rt.runtime(['run', '--bundle', dir, rt.id('r1')]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, 'none\nfive\n');
  const layers = path.join(store, 'layers');
  const layerDirs = fs.readdirSync(path.join(layers, 'sha256')).map((h) => path.join(layers, 'sha256', h));
  const stamp = () => layerDirs.map((d) => { const st = fs.statSync(d); return [d, st.ino, st.ctimeMs]; });
  const before = [treeDigest(layers), stamp()];
  // The reboot: the overlay goes (as at power-off); the bundle's directories and the store stay.
  execFileSync('umount', ['-R', rootfs]);
  t.deepEqual(mountsUnder(dir), []);
  t.deepEqual(fs.readdirSync(rootfs), [], 'the rootfs is a bare directory now');
  fs.rmSync(archive);
  r = tool(rt, ['bundle', 'mount', dir]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(mountsUnder(dir), [rootfs]);
  t.is(hostMounts().find((m) => m.mountPoint === rootfs).fsType, 'overlay');
  r = tool(rt, ['bundle', 'mount', dir]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /already mounted/);
  t.deepEqual(mountsUnder(dir), [rootfs], 'a second mount stacks nothing');
  run = await rt.runtime(['run', '--bundle', dir, rt.id('r2')]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, 'kept\nfive\n', 'the container sees the image and its earlier write');
  t.deepEqual([treeDigest(layers), stamp()], before, 'no layer unpacked or touched');
  t.deepEqual(fs.readdirSync(path.join(store, 'tmp')), [], 'nothing extracted');
  // What is not a bundle, or has lost a layer, is refused naming why.
  const plain = rt.hostDir('plain');
  r = tool(rt, ['bundle', 'mount', plain]);
  t.is(r.code, 1);
  t.regex(r.stderr, /is not a bundle made by `tsrunc bundle create`/);
  t.deepEqual(mountsUnder(plain), []);
});

test('seed scenario: volume and bind data survive kill, delete and bundle rm; no mount left; the volume stays', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  const host = rt.hostDir('host');
  const { dir, volume, volumePath } = createScenarioBundle(t, rt, `oci-archive:${images.ociArchive}`, store, host);
  t.deepEqual(fs.readdirSync(volumePath).sort(), ['seed', 'sub'], 'seeded from the image');
  const id = rt.id('seed');
  const started = await rt.runtime(['run', '-d', '--bundle', dir, id], { timeout: 30000 });
  t.is(started.code, 0, started.stderr);
  await waitFor(() => fs.existsSync(path.join(host, 'big')) && fs.statSync(path.join(host, 'big')).size === 262144, { what: 'the writer', timeout: 20000 });
  await sleep(100);
  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  const volumeDigest = treeDigest(volumePath);
  const hostDigest = treeDigest(host);
  t.is(fs.readFileSync(path.join(volumePath, 'w5'), 'utf8'), 'vol 5\n');
  // Refused while the container exists.
  let r = tool(rt, ['bundle', 'rm', dir]);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`container ${id} of the bundle .* exists: delete it first`));
  t.deepEqual(mountsUnder(dir), [path.join(dir, 'rootfs')]);
  t.is((await rt.runtime(['delete', id])).code, 0);
  // delete leaves the bundle's overlay (mounted by the bundle tool) and the upper dir's data alone.
  t.deepEqual(mountsUnder(dir), [path.join(dir, 'rootfs')]);
  r = tool(rt, ['bundle', 'rm', dir]);
  t.is(r.code, 0, r.stderr);
  t.false(fs.existsSync(dir));
  t.deepEqual(mountsUnder(rt.base), []);
  t.is(treeDigest(volumePath), volumeDigest, 'volume data intact');
  t.is(treeDigest(host), hostDigest, 'bind data intact');
  t.deepEqual(JSON.parse(tool(rt, ['volume', 'ls', '--store', store, '--format', 'json']).stdout).map((v) => [v.name, v.usedBy]), [[volume, []]]);
  t.is(tool(rt, ['volume', 'rm', '--store', store, volume]).code, 0);
});

test('bundle rm never removes through a mount under the bundle, and refuses a directory that is no bundle', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  const host = rt.hostDir('precious');
  fs.writeFileSync(path.join(host, 'keep'), 'data');
  const { dir } = createScenarioBundle(t, rt, `oci-archive:${images.ociArchive}`, store, rt.hostDir('h2'));
  // Someone bound a host directory into the bundle (inside the rootfs, and next to it).
  fs.mkdirSync(path.join(dir, 'extra'));
  execFileSync('mount', ['--bind', host, path.join(dir, 'extra')]);
  execFileSync('mount', ['--bind', host, path.join(dir, 'rootfs/etc/opq')]);
  const r = tool(rt, ['bundle', 'rm', dir]);
  t.is(r.code, 0, r.stderr);
  t.is(fs.readFileSync(path.join(host, 'keep'), 'utf8'), 'data');
  t.deepEqual(mountsUnder(rt.base), []);
  const plain = rt.hostDir('plain');
  fs.writeFileSync(path.join(plain, 'f'), 'x');
  const r2 = tool(rt, ['bundle', 'rm', plain]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /is not a bundle made by `tsrunc bundle create`/);
  t.true(fs.existsSync(path.join(plain, 'f')));
});

for (const step of ['bundle-rm:marked', 'bundle-rm:unmounted', 'bundle-rm:upper', 'bundle-rm:contents', 'bundle-rm:volumes']) {
  test(`bundle rm killed at ${step} is finished by running it again, losing nothing`, async (t) => {
    const rt = useRuntime(t);
    const store = storeOf(rt);
    const host = rt.hostDir('host');
    const { dir, volumePath } = createScenarioBundle(t, rt, `oci-archive:${images.ociArchive}`, store, host);
    fs.writeFileSync(path.join(volumePath, 'mine'), 'volume data');
    fs.writeFileSync(path.join(host, 'mine'), 'host data');
    const before = [treeDigest(volumePath), treeDigest(host), treeDigest(path.join(store, 'layers'))];
    const killed = tool(rt, ['bundle', 'rm', dir], { env: { TSRUNC_TEST_STOP_AT: step } });
    t.is(killed.signal, 'SIGKILL');
    t.true(fs.existsSync(dir), 'the record is still there to finish from');
    const r = tool(rt, ['bundle', 'rm', dir]);
    t.is(r.code, 0, r.stderr);
    t.false(fs.existsSync(dir));
    t.deepEqual(mountsUnder(rt.base), []);
    t.deepEqual([treeDigest(volumePath), treeDigest(host), treeDigest(path.join(store, 'layers'))], before);
    t.is(JSON.parse(tool(rt, ['volume', 'ls', '--store', store, '--format', 'json']).stdout)[0].usedBy.length, 0);
  });
}
