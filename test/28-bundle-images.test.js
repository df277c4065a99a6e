// tsrunc bundle (issue 27): real images (podman-built: oci-archive, oci-dir, docker-archive) become
// bundles whose overlay rootfs the container sees exactly as the image says - deleted file, opaque
// directory, hard link, setuid file, symlink, VOLUME - with every layer verified and unpacked once;
// hostile layers are refused naming the entry, with nothing written outside the store.
// The bundle tool is always this tree's tsrunc; the container runs under RUNTIME (runc side by side).
const test = require('ava');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Readable } = require('node:stream');

const { useRuntime } = require('./helpers/runtime');
const { useTestImages, layerTar, ociLayout, busyboxLayer, treeDigest, getXattr, xattrsHex } = require('./helpers/images');
const { unpackLayer } = require('tsrunc/internal');
const { tool } = require('./helpers/bundle-scenario');

const images = useTestImages(test);

const storeOf = (rt) => path.join(rt.base, 'store');

function bundleCreate(t, rt, image, extra = [], cmd) {
  const dir = path.join(rt.base, `b${Math.random().toString(16).slice(2, 8)}`);
  const r = tool(rt, ['bundle', 'create', '--store', storeOf(rt), '--image', image, ...extra, dir, ...(cmd ? ['--', ...cmd] : [])]);
  t.is(r.code, 0, r.stderr);
  t.teardown(() => { if (fs.existsSync(dir)) tool(rt, ['bundle', 'rm', dir]); });
  return dir;
}

async function runIn(rt, bundle) {
  const r = await rt.runtime(['run', '--bundle', bundle, rt.id('img')]);
  return r;
}

const PROBE = [
  'cat /etc/opq/b', 'ls /etc/opq', "test -e /etc/gone && echo present || echo gone-absent",
  'stat -c "%i" /etc/hl1 /etc/hl2', 'stat -c "%a %u" /bin/suid', 'readlink /etc/link', 'cat /data/seed', 'stat -c "%u" /data/sub',
  'cat /etc/five', 'echo FOO=$FOO', 'pwd',
].join('; ');

for (const format of ['ociArchive', 'ociDir', 'dockerArchive']) {
  test(`${format}: the container sees the image's whiteouts, opaque dir, hard link, setuid file, symlink and seeded VOLUME`, async (t) => {
    const rt = useRuntime(t);
    const ref = { ociArchive: `oci-archive:${images.ociArchive}`, ociDir: `oci:${images.ociDir}:localhost/tsrunc-test:latest`, dockerArchive: `docker-archive:${images.dockerArchive}` }[format];
    const bundle = bundleCreate(t, rt, ref, [], [PROBE]);
    const r = await runIn(rt, bundle);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.is(lines[0], 'new');
    t.is(lines[1], 'b', 'the opaque directory shows only the upper layer\'s entry');
    t.regex(lines[2], /gone-absent/);
    t.is(lines[3], lines[4], 'hard links share an inode');
    t.is(lines[5], '4755 0', 'setuid kept, owned by root');
    t.is(lines[6], '/etc/hl1');
    t.is(lines[7], 'seed', 'the anonymous volume is seeded from the image');
    t.is(lines[8], '1000', 'seeded with ownership');
    t.is(lines[9], 'five');
    t.is(lines[10], 'FOO=bar');
    t.is(lines[11], '/etc');
    // The store holds the overlayfs forms: a 0/0 character device and trusted.overlay.opaque=y.
    const record = JSON.parse(fs.readFileSync(path.join(bundle, 'tsrunc-bundle.json'), 'utf8'));
    t.is(record.layers.length, 5);
    const st = fs.lstatSync(path.join(record.layers[2], 'etc/gone'));
    t.true(st.isCharacterDevice());
    t.is(st.rdev, 0);
    if (format !== 'dockerArchive' || true) t.is(getXattr(path.join(record.layers[2], 'etc/opq'), 'trusted.overlay.opaque'), 'y');
    const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
    t.deepEqual(config.process.args, ['/bin/sh', '-c', PROBE]);
    t.is(config.annotations['org.example.test'], 'yes');
    t.is(config.process.terminal, false);
    t.true(config.mounts.some((m) => m.destination === '/data' && m.type === 'bind' && m.source.startsWith(storeOf(rt))));
  });
}

test('layers are unpacked once: oci-archive, oci-dir and docker-archive share the store; the image\'s Cmd runs without --', async (t) => {
  const rt = useRuntime(t);
  const a = bundleCreate(t, rt, `oci-archive:${images.ociArchive}`);
  const layersDir = path.join(storeOf(rt), 'layers/sha256');
  const before = fs.readdirSync(layersDir).sort();
  t.is(before.length, 5);
  const digest = treeDigest(layersDir);
  const b = bundleCreate(t, rt, `docker-archive:${images.dockerArchive}:localhost/tsrunc-test:latest`);
  bundleCreate(t, rt, `oci:${images.ociDir}`);
  t.deepEqual(fs.readdirSync(layersDir).sort(), before, 'no layer unpacked twice');
  t.is(treeDigest(layersDir), digest);
  t.deepEqual(fs.readdirSync(path.join(storeOf(rt), 'tmp')), [], 'no temp directory left');
  const r = await runIn(rt, b);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'hi');
  t.is(treeDigest(path.join(a, 'rootfs')), treeDigest(path.join(b, 'rootfs')));
});

test('zstd layers (image-spec tar+zstd, as skopeo writes them) unpack to the very trees the gzip layers do', async (t) => {
  const rt = useRuntime(t);
  const zst = path.join(rt.base, 'zst.oci');
  execFileSync('skopeo', ['copy', '-q', '--dest-compress-format', 'zstd', `oci-archive:${images.ociArchive}`, `oci:${zst}:zst`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });
  const index = JSON.parse(fs.readFileSync(path.join(zst, 'index.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(zst, 'blobs', index.manifests[0].digest.replace(':', '/')), 'utf8'));
  t.is(manifest.layers.length, 5);
  t.true(manifest.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'), JSON.stringify(manifest.layers.map((l) => l.mediaType)));
  // The zstd image into its own store, the gzip image into another: the same layers, byte for byte.
  const zstStore = path.join(rt.base, 'zst-store');
  const bundle = path.join(rt.base, 'zb');
  let r = tool(rt, ['bundle', 'create', '--store', zstStore, '--image', `oci:${zst}:zst`, bundle, '--', PROBE]);
  t.is(r.code, 0, r.stderr);
  t.teardown(() => { if (fs.existsSync(bundle)) tool(rt, ['bundle', 'rm', bundle]); });
  bundleCreate(t, rt, `oci-archive:${images.ociArchive}`);
  t.is(treeDigest(path.join(zstStore, 'layers')), treeDigest(path.join(storeOf(rt), 'layers')));
  r = await runIn(rt, bundle);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.deepEqual([lines[0], lines[1], lines[2], lines[5], lines[7]], ['new', 'b', 'gone-absent', '4755 0', 'seed']);
});

test('hostile layer: a zstd blob that is not valid zstd is refused naming the layer', async (t) => {
  // The digest matches (taken after the damage): only the decompressor can tell.
  await refused(t, [await layerTar([{ name: 'f', content: 'good' }])], /layer sha256:[0-9a-f]{64}: not a valid zstd stream/, {
    compress: 'zstd',
    compressed: (blob, i) => (i === 1 ? Buffer.concat([blob.subarray(0, 8), Buffer.alloc(200, 0x55)]) : blob),
  });
});

test('xattrs whose names and values are not UTF-8 survive: a file capability works in the container, every byte is the host\'s', async (t) => {
  const rt = useRuntime(t);
  // The layer is GNU tar's (--xattrs writes SCHILY.xattr records with the raw bytes): a busybox with
  // the binary security.capability of cap_net_bind_service+ep, and a user.* xattr whose name and
  // value are not UTF-8, on that file and on a file under the image's VOLUME.
  const src = path.join(rt.base, 'xsrc');
  fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(src, 'data'));
  fs.copyFileSync('/bin/busybox', path.join(src, 'bin/busybox-cap'));
  fs.chmodSync(path.join(src, 'bin/busybox-cap'), 0o755);
  fs.writeFileSync(path.join(src, 'data/tagged'), 'seeded\n');
  execFileSync('setcap', ['cap_net_bind_service+ep', path.join(src, 'bin/busybox-cap')]);
  execFileSync('python3', ['-c', "import os,sys\nfor f in sys.argv[1:]: os.setxattr(f, b'user.\\xff\\xfe\\x80name', b'\\x00\\x01\\xfe\\xff\\xc3')", path.join(src, 'bin/busybox-cap'), path.join(src, 'data/tagged')]);
  const want = xattrsHex(path.join(src, 'bin/busybox-cap'));
  t.is(want.length, 2);
  t.is(want.find(([n]) => n === Buffer.from('security.capability').toString('hex'))[1].slice(0, 8), '01000002', 'a binary VFS_CAP_REVISION_2 value');
  const tar = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-C', src, '-cf', '-', 'bin', 'data'], { maxBuffer: 1 << 26 });
  const { ref } = ociLayout(path.join(rt.base, 'layout'), [await busyboxLayer(), tar], { config: { Volumes: { '/data': {} } } });
  const bundle = bundleCreate(t, rt, ref, [], ['/bin/sh', '-c', '/bin/busybox-cap grep CapEff /proc/self/status; /bin/busybox grep CapEff /proc/self/status; cat /data/tagged']);
  const record = JSON.parse(fs.readFileSync(path.join(bundle, 'tsrunc-bundle.json'), 'utf8'));
  t.deepEqual(xattrsHex(path.join(record.layers[1], 'bin/busybox-cap')), want, 'the layer store has the bytes');
  t.deepEqual(xattrsHex(path.join(bundle, 'rootfs/bin/busybox-cap')), want, 'the overlay rootfs shows them');
  const volume = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).mounts.find((m) => m.destination === '/data').source;
  t.deepEqual(xattrsHex(path.join(volume, 'tagged')), xattrsHex(path.join(src, 'data/tagged')), 'the seeded volume keeps them');
  // The process inside: a non-root user whose exec of the capability file gains CAP_NET_BIND_SERVICE (bit 10).
  const configFile = path.join(bundle, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.process.user = { uid: 1000, gid: 1000 };
  config.process.noNewPrivileges = false;
  fs.writeFileSync(configFile, JSON.stringify(config));
  const r = await runIn(rt, bundle);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['CapEff: 0000000000000400', 'CapEff: 0000000000000000', 'seeded']);
});

test('bad references and names are refused before anything is made', (t) => {
  const rt = useRuntime(t);
  const dir = path.join(rt.base, 'bad');
  for (const [image, words] of [
    ['docker:busybox', /unknown transport "docker"/],
    [`oci-archive:${images.ociArchive}:nosuch`, /no image named "nosuch"/],
    [`oci:${rt.base}/missing`, /no OCI image layout/],
  ]) {
    const r = tool(rt, ['bundle', 'create', '--store', storeOf(rt), '--image', image, dir]);
    t.is(r.code, 1);
    t.regex(r.stderr, words);
    t.false(fs.existsSync(dir));
  }
});

/** Creates a bundle from a hand-made hostile image: refused, naming `words`; nothing left anywhere. */
async function refused(t, layers, words, opts = {}) {
  const rt = useRuntime(t);
  const layout = path.join(rt.base, 'layout');
  const { ref } = ociLayout(layout, [await busyboxLayer(), ...layers], opts);
  const dir = path.join(rt.base, 'bundle');
  const r = tool(rt, ['bundle', 'create', '--store', storeOf(rt), '--image', ref, dir]);
  t.is(r.code, 1);
  t.regex(r.stderr, words);
  t.false(fs.existsSync(dir), 'no bundle left');
  t.deepEqual(fs.readdirSync(path.join(storeOf(rt), 'tmp')), [], 'no temp directory left');
  t.is(fs.readdirSync(path.join(storeOf(rt), 'layers/sha256')).length, 1, 'only the busybox layer is in the store');
  return rt;
}

test('hostile layer: a ../ path is refused naming the entry, nothing written outside the store', async (t) => {
  const canary = `tsrunc-canary-${process.pid}-${Date.now()}`;
  await refused(t, [await layerTar([{ name: `../../../../../../tmp/${canary}`, content: 'x' }])], new RegExp(`entry "\\.\\./.*${canary}": a "\\.\\." path component`));
  t.false(fs.existsSync(`/tmp/${canary}`));
});

test('hostile layer: a write through an absolute symlink is refused naming the entry', async (t) => {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-canary-'));
  t.teardown(() => fs.rmSync(target, { recursive: true, force: true }));
  await refused(t, [await layerTar([{ name: 'evil', type: 'symlink', linkname: target }, { name: 'evil/pwned', content: 'x' }])], /entry "evil\/pwned": its parent "evil" is a symlink/);
  t.deepEqual(fs.readdirSync(target), []);
});

test('hostile layer: a symlink in one layer written through by the next is refused too', async (t) => {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-canary-'));
  t.teardown(() => fs.rmSync(target, { recursive: true, force: true }));
  // Each layer is its own tree: the second one's "evil/" is a directory of its own, never the link.
  const rt = useRuntime(t);
  const { ref } = ociLayout(path.join(rt.base, 'layout'), [await busyboxLayer(), await layerTar([{ name: 'evil', type: 'symlink', linkname: target }]), await layerTar([{ name: 'evil/pwned', content: 'x' }])]);
  const dir = path.join(rt.base, 'bundle');
  t.is(tool(rt, ['bundle', 'create', '--store', storeOf(rt), '--image', ref, dir]).code, 0);
  t.deepEqual(fs.readdirSync(target), []);
  t.is(tool(rt, ['bundle', 'rm', dir]).code, 0);
});

test('hostile layer: a hard link out of the layer is refused naming the entry', async (t) => {
  await refused(t, [await layerTar([{ name: 'etc/shadow', type: 'link', linkname: '../../../etc/shadow' }])], /entry "etc\/shadow": a hard link to "\.\.\/\.\.\/\.\.\/etc\/shadow": a "\.\." path component/);
});

test('hostile layer: a hard link to a file the layer does not hold is refused', async (t) => {
  await refused(t, [await layerTar([{ name: 'x', type: 'link', linkname: 'etc/passwd' }])], /entry "x": a hard link to "etc\/passwd", which is not an earlier entry/);
});

test('hostile layer: a trusted.overlay.* xattr is refused', async (t) => {
  await refused(t, [await layerTar([{ name: 'd/', type: 'directory', mode: 0o755, pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } }])], /entry "d\/": the xattr trusted.overlay.redirect/);
});

test('hostile layer: a blob whose digest does not match is refused naming the layer', async (t) => {
  let bad;
  await refused(t, [await layerTar([{ name: 'f', content: 'good' }])], /layer sha256:[0-9a-f]{64}: digest mismatch/, {
    gzip: false,
    tamper: (blobs) => { bad = blobs[1]; const b = fs.readFileSync(bad); b[600] ^= 1; fs.writeFileSync(bad, b); },
  });
  t.truthy(bad);
});

test('hostile layer: a diff id that does not match the tar is refused', async (t) => {
  const tar = await layerTar([{ name: 'f', content: 'good' }]);
  const busy = await busyboxLayer();
  const { sha256 } = require('./helpers/images');
  await refused(t, [tar], /digest mismatch: its tar hashes to/, { diffIds: [sha256(busy), sha256(Buffer.from('other'))] });
});

test('device nodes: unpacked for root, refused naming the entry for anyone else', async (t) => {
  const tar = await layerTar([{ name: 'dev/', type: 'directory', mode: 0o755 }, { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }]);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-unpack-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  fs.mkdirSync(`${base}/root`);
  await unpackLayer(Readable.from([tar]), `${base}/root`, { layer: 'L', privileged: true });
  const st = fs.lstatSync(`${base}/root/dev/null`);
  t.true(st.isCharacterDevice());
  t.is(st.rdev, (1 << 8) | 3);
  fs.mkdirSync(`${base}/user`);
  const e = await t.throwsAsync(unpackLayer(Readable.from([tar]), `${base}/user`, { layer: 'L', privileged: false }));
  t.regex(e.message, /layer L: entry "dev\/null": a character-device node \(1:3\): only root may unpack device nodes/);
  t.false(fs.existsSync(`${base}/user/dev/null`));
});

test('volume ls/rm/prune: anonymous and named volumes, kept after bundle rm, refused while in use', async (t) => {
  const rt = useRuntime(t);
  const store = storeOf(rt);
  const dir = path.join(rt.base, 'vb');
  let r = tool(rt, ['bundle', 'create', '--store', store, '--image', `oci-archive:${images.ociArchive}`, '--volume', 'named1:/named', '--volume', '/anon', dir]);
  t.is(r.code, 0, r.stderr);
  const ls = JSON.parse(tool(rt, ['volume', 'ls', '--store', store, '--format', 'json']).stdout);
  t.is(ls.length, 3, 'the image VOLUME, /anon and named1');
  t.true(ls.every((v) => v.usedBy.length === 1 && v.usedBy[0] === dir));
  t.deepEqual(ls.filter((v) => !v.anonymous).map((v) => v.name), ['named1']);
  t.regex(tool(rt, ['volume', 'ls', '--store', store]).stdout, /^named1 \/.*\/volumes\/named1\/_data$/m);
  r = tool(rt, ['volume', 'rm', '--store', store, 'named1']);
  t.is(r.code, 1);
  t.regex(r.stderr, /volume named1 is in use by the bundle/);
  t.is(tool(rt, ['volume', 'prune', '--store', store]).stdout, '', 'nothing unused to prune');
  t.is(tool(rt, ['bundle', 'rm', dir]).code, 0);
  t.is(JSON.parse(tool(rt, ['volume', 'ls', '--store', store, '--format', 'json']).stdout).length, 3, 'volumes outlive the bundle');
  t.is(tool(rt, ['volume', 'prune', '--store', store]).stdout.trim().split('\n').length, 2, 'prune takes the two anonymous ones');
  t.is(tool(rt, ['volume', 'rm', '--store', store, 'named1']).code, 0);
  t.is(tool(rt, ['volume', 'ls', '--store', store]).stdout, '');
  r = tool(rt, ['volume', 'rm', '--store', store, '../etc']);
  t.is(r.code, 1);
  t.regex(r.stderr, /invalid volume name/);
});
