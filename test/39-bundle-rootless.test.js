'use strict';
// Rootless bundles (issue 27): an unprivileged user (made with useradd for this file, removed after
// it, even when a test fails) makes bundles of a podman-built image with `tsrunc bundle create`,
// runs them with `tsrunc run` and removes them, all through runuser with its own XDG_RUNTIME_DIR.
// The layers go to the user's store (~/.local/share/tsrunc), unpacked by the user (whiteouts as 0/0
// character devices, opaque directories as user.overlay.opaque); the overlay is mounted by the
// runtime in each container's mount namespace (the user cannot mount on the host), so the host
// mount table never shows it, and the container's writes land in the bundle's upper dir.
// The runtime is this tree's tsrunc: a rootless bundle's overlay is tsrunc's own (runc runs a
// bundle's rootfs as it finds it: an empty directory here), so RUNTIME=runc skips this file.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');

const { isTsrunc, hostMounts } = require('./helpers/runtime');
const { podmanImage, treeDigest } = require('./helpers/images');
const { TSRUNC } = require('./helpers/bundle-scenario');

const USER = `tsrunc-rb${process.pid % 100000}`;
let uid;
let base;
let xdg;
let home;
let image;
let seq = 0;

const mountsUnder = (dir) => hostMounts().map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(dir + '/'));

if (!isTsrunc) {
  test('rootless bundles are tsrunc\'s own: skipped for another runtime', (t) => t.pass());
} else {
  test.before(() => {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', USER]);
    uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
    home = `/home/${USER}`;
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-rootless-bundle-'));
    fs.chmodSync(base, 0o755);
    xdg = path.join(base, 'xdg');
    fs.mkdirSync(xdg, { mode: 0o700 });
    fs.chownSync(xdg, uid, uid);
    const work = path.join(base, 'work');
    fs.mkdirSync(work, { mode: 0o755 });
    fs.chownSync(work, uid, uid);
    const imgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-images-'));
    try {
      const made = podmanImage(imgDir);
      image = path.join(base, 'img.oci.tar');
      fs.copyFileSync(made.ociArchive, image);
      fs.chmodSync(image, 0o644);
    } finally {
      execFileSync('rm', ['-rf', '--one-file-system', imgDir]);
    }
  });

  test.after.always(() => {
    // Whatever the user still runs (a failed test's container): found by owner, killed by pid.
    let pids = [];
    try { pids = execFileSync('pgrep', ['-u', String(uid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number); } catch { /* none */ }
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    if (base) execFileSync('rm', ['-rf', '--one-file-system', base]);
    try { execFileSync('userdel', ['--remove', USER], { stdio: 'ignore' }); } catch { /* made by no test */ }
    const st = fs.statSync('/dev/null');
    if (st.uid !== 0 || st.gid !== 0 || (st.mode & 0o777) !== 0o666) throw new Error('the host\'s /dev/null changed');
  });

  /** `tsrunc args...` as the user: {code, stdout, stderr} (output through files: a container keeps pipes open). */
  const asUser = (args, { timeout = 60000 } = {}) => {
    const n = ++seq;
    const out = path.join(base, `io-${n}.stdout`);
    const err = path.join(base, `io-${n}.stderr`);
    const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
    const child = spawn('runuser', ['-u', USER, '--', 'env', `XDG_RUNTIME_DIR=${xdg}`, `HOME=${home}`, TSRUNC, ...args], { cwd: base, stdio: ['ignore', ...fds] });
    fds.forEach((fd) => fs.closeSync(fd));
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') });
      });
    });
  };

  const PROBE = [
    'id -u', 'cat /etc/opq/b', 'ls /etc/opq', 'test -e /etc/gone && echo present || echo gone-absent',
    'stat -c "%i" /etc/hl1 /etc/hl2', 'stat -c "%a %u" /bin/suid', 'readlink /etc/link', 'cat /data/seed', 'cat /etc/five',
    'echo $WORD > /etc/five', 'echo $WORD > /data/mine',
  ].join('; ');

  test.serial('a user makes, runs and removes bundles of an image: layers unpacked once in its store, the overlay in the container only, writes kept apart', async (t) => {
    const store = path.join(home, '.local/share/tsrunc');
    const layers = path.join(store, 'layers');
    const make = async (name, word) => {
      const dir = path.join(base, 'work', name);
      const r = await asUser(['bundle', 'create', '--image', `oci-archive:${image}`, dir, '--', `WORD=${word}; ${PROBE}`]);
      t.is(r.code, 0, r.stderr);
      t.teardown(() => asUser(['bundle', 'rm', dir]));
      return { dir, volume: /^volume (\S+) \/data$/m.exec(r.stdout)[1] };
    };
    const a = await make('a', 'one');
    // The store is the user's, its layers in the overlayfs form an unprivileged mount reads.
    const layerDirs = fs.readdirSync(path.join(layers, 'sha256'));
    t.is(layerDirs.length, 5);
    t.true(layerDirs.every((h) => fs.statSync(path.join(layers, 'sha256', h)).uid === uid));
    const record = JSON.parse(fs.readFileSync(path.join(a.dir, 'tsrunc-bundle.json'), 'utf8'));
    t.is(record.overlay, 'container');
    const gone = fs.lstatSync(path.join(record.layers[2], 'etc/gone'));
    t.true(gone.isCharacterDevice() && gone.rdev === 0, 'a whiteout is a 0/0 character device');
    t.is(execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())', path.join(record.layers[2], 'etc/opq')], { encoding: 'utf8' }).trim(), 'y');
    const config = JSON.parse(fs.readFileSync(path.join(a.dir, 'config.json'), 'utf8'));
    t.deepEqual(config.linux.uidMappings, [{ containerID: 0, hostID: uid, size: 1 }], 'the rootless spec');
    // Nothing is mounted on the host: the rootfs is a bare directory there.
    t.deepEqual(mountsUnder(base), []);
    t.deepEqual(fs.readdirSync(path.join(a.dir, 'rootfs')), []);
    const digest = treeDigest(layers);
    const b = await make('b', 'two');
    t.is(fs.readdirSync(path.join(layers, 'sha256')).length, 5, 'the second bundle unpacked nothing');

    const ra = await asUser(['run', '--bundle', a.dir, `rb-a-${process.pid}`]);
    t.is(ra.code, 0, ra.stderr);
    const la = ra.stdout.trim().split('\n');
    t.is(la[0], '0', 'root inside');
    t.deepEqual([la[1], la[2], la[3]], ['new', 'b', 'gone-absent'], 'the opaque directory and the deleted file as the image says');
    t.is(la[4], la[5], 'hard links share an inode');
    t.is(la[6], '4755 0', 'setuid kept (the user\'s file: root inside)');
    t.deepEqual([la[7], la[8], la[9]], ['/etc/hl1', 'seed', 'five'], 'the symlink, the seeded VOLUME, the last layer');
    const rb = await asUser(['run', '--bundle', b.dir, `rb-b-${process.pid}`]);
    t.is(rb.code, 0, rb.stderr);
    t.is(rb.stdout.trim().split('\n')[9], 'five', 'b does not see a\'s write');
    // The host: each write in its bundle's upper dir, the user's; the layers unchanged; no mount left.
    t.is(fs.readFileSync(path.join(a.dir, 'overlay/upper/etc/five'), 'utf8'), 'one\n');
    t.is(fs.readFileSync(path.join(b.dir, 'overlay/upper/etc/five'), 'utf8'), 'two\n');
    t.is(fs.statSync(path.join(a.dir, 'overlay/upper/etc/five')).uid, uid);
    t.is(treeDigest(layers), digest, 'the layer store is unchanged');
    t.deepEqual(mountsUnder(base), []);
    // After a reboot there is nothing to re-mount: each create mounts it (bundle mount says so).
    const m = await asUser(['bundle', 'mount', a.dir]);
    t.is(m.code, 0, m.stderr);
    t.regex(m.stdout, /the runtime mounts its rootfs in each container/);
    t.deepEqual(mountsUnder(base), []);
    // A second run of a: its earlier write is still there (the upper dir outlives the container).
    const again = await asUser(['run', '--bundle', a.dir, `rb-a2-${process.pid}`]);
    t.is(again.code, 0, again.stderr);
    t.is(again.stdout.trim().split('\n')[9], 'one');
    // The volumes: in the user's store, seeded from the image, holding the writes; kept after bundle rm.
    const volA = path.join(store, 'volumes', a.volume, '_data');
    t.deepEqual(fs.readdirSync(volA).sort(), ['mine', 'seed', 'sub']);
    t.is(fs.readFileSync(path.join(volA, 'mine'), 'utf8'), 'one\n');
    for (const dir of [a.dir, b.dir]) {
      const r = await asUser(['bundle', 'rm', dir]);
      t.is(r.code, 0, r.stderr);
      t.false(fs.existsSync(dir));
    }
    t.is(fs.readFileSync(path.join(volA, 'mine'), 'utf8'), 'one\n', 'the volume outlives the bundle');
    const ls = JSON.parse((await asUser(['volume', 'ls', '--format', 'json'])).stdout);
    t.deepEqual(ls.map((v) => v.name).sort(), [a.volume, b.volume].sort());
    t.true(ls.every((v) => v.usedBy.length === 0));
    t.deepEqual(mountsUnder(base), []);
  });
}
