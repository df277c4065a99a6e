'use strict';
// Images for the bundle tests (issue 27), made locally: no registry is reachable.
// - podmanImage(): a busybox-static image built by `podman build` in a private --root/--runroot
//   (overlay storage, runc, no network) and saved as oci-archive, oci-dir and docker-archive; the
//   private storage is removed before it returns.
// - ociLayout(): an OCI layout written here from layer tars made by layerTar() (tar-stream's packer),
//   for hostile layers no builder would make.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const tarStream = require('tar-stream');

const sha256 = (buf) => 'sha256:' + crypto.createHash('sha256').update(buf).digest('hex');

/**
 * Containerfile with 5 layers: the busybox rootfs (ADD), a file later deleted and a directory later
 * made opaque (rm -rf + mkdir: overlay storage records .wh..wh..opq), a hard link, a setuid copy, an
 * absolute symlink, a VOLUME with seed content.
 */
const CONTAINERFILE = `FROM scratch
ADD r1/ /
RUN mkdir -p /etc/opq /data/sub && echo old > /etc/opq/a && echo del > /etc/gone && echo seed > /data/seed && echo deep > /data/sub/deep && chown 1000:1000 /data/sub
RUN rm /etc/gone && rm -rf /etc/opq && mkdir /etc/opq && echo new > /etc/opq/b
RUN echo hl > /etc/hl1 && ln /etc/hl1 /etc/hl2 && cp /bin/busybox /bin/suid && chmod 4755 /bin/suid && ln -s /etc/hl1 /etc/link
RUN echo five > /etc/five
VOLUME /data
ENV FOO=bar
WORKDIR /etc
LABEL org.example.test=yes
ENTRYPOINT ["/bin/sh","-c"]
CMD ["echo hi"]
`;

function podmanImage(dir) {
  const ctx = path.join(dir, 'ctx');
  fs.mkdirSync(path.join(ctx, 'r1/bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(ctx, 'r1/bin/busybox'));
  fs.chmodSync(path.join(ctx, 'r1/bin/busybox'), 0o755);
  for (const c of ['sh', 'ls', 'cat', 'echo', 'sleep', 'stat', 'id', 'readlink', 'find', 'sha256sum', 'dd', 'sync', 'mknod']) fs.symlinkSync('busybox', path.join(ctx, 'r1/bin', c));
  fs.writeFileSync(path.join(ctx, 'Containerfile'), CONTAINERFILE);
  const storage = path.join(dir, 'podman');
  const podman = (...args) => execFileSync('podman', ['--root', `${storage}/root`, '--runroot', `${storage}/runroot`, '--storage-driver', 'overlay', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });
  try {
    podman('build', '--network', 'none', '-q', '-t', 'localhost/tsrunc-test:latest', ctx);
    const out = { ociArchive: path.join(dir, 'img.oci.tar'), ociDir: path.join(dir, 'img.oci'), dockerArchive: path.join(dir, 'img.docker.tar') };
    podman('save', '--format', 'oci-archive', '-o', out.ociArchive, 'localhost/tsrunc-test:latest');
    podman('save', '--format', 'oci-dir', '-o', out.ociDir, 'localhost/tsrunc-test:latest');
    podman('save', '--format', 'docker-archive', '-o', out.dockerArchive, 'localhost/tsrunc-test:latest');
    return out;
  } finally {
    try { podman('rmi', '-a', '-f'); } catch { /* removed below anyway */ }
    for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && p.startsWith(storage)).reverse()) {
      try { execFileSync('umount', ['-l', m]); } catch { /* gone */ }
    }
    execFileSync('rm', ['-rf', '--one-file-system', storage, ctx]);
  }
}

/** A layer tar from entries {name, type?, mode?, uid?, gid?, linkname?, devmajor?, devminor?, content?, pax?}. */
async function layerTar(entries) {
  const pack = tarStream.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject); });
  for (const e of entries) {
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    await new Promise((resolve, reject) => pack.entry({ type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), ...e, content: undefined, size: content ? content.length : 0 }, content, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Writes an OCI layout at `dir` holding one image of `layers` (tar buffers, bottom first); `gzip`
 * compresses the blobs (`compress: 'zstd'` uses the system's zstd instead; `compressed(blob, index)` may
 * replace the compressed bytes); `tamper(blobs)` may change a blob's bytes after its digest is
 * taken. Returns the `oci:DIR` reference.
 */
function ociLayout(dir, layers, { config = {}, gzip = true, compress = gzip ? 'gzip' : 'none', compressed, diffIds, tamper } = {}) {
  const blobs = path.join(dir, 'blobs/sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (buf) => { const d = sha256(buf); fs.writeFileSync(path.join(blobs, d.slice(7)), buf); return d; };
  const layerDescs = layers.map((tar, i) => {
    let blob = { gzip: () => zlib.gzipSync(tar), zstd: () => execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 28 }), none: () => tar }[compress]();
    if (compressed) blob = compressed(blob, i);
    return { mediaType: `application/vnd.oci.image.layer.v1.tar${compress === 'none' ? '' : '+' + compress}`, digest: put(blob), size: blob.length };
  });
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], ...config }, rootfs: { type: 'layers', diff_ids: diffIds ?? layers.map(sha256) } }));
  const cfgDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cfgDesc, layers: layerDescs }));
  const mDesc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [mDesc] }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  if (tamper) tamper(layerDescs.map((d) => path.join(blobs, d.digest.slice(7))));
  return { ref: `oci:${dir}`, layerDigests: layerDescs.map((d) => d.digest), diffIds: layers.map(sha256) };
}

/** The busybox rootfs as a layer tar (for hand-made images that must run). */
async function busyboxLayer() {
  return layerTar([
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', mode: 0o755, content: fs.readFileSync('/bin/busybox') },
    ...['sh', 'ls', 'cat', 'echo', 'stat', 'id'].map((c) => ({ name: `bin/${c}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc/', type: 'directory', mode: 0o755 },
  ]);
}

/**
 * A digest of a whole tree as the host sees it: every entry's path, type, mode, owner, size, link
 * target, device numbers, opaque xattr and content hash (the layer store must never change).
 */
function treeDigest(dir) {
  const out = execFileSync('python3', ['-c', `
import os, sys, hashlib, stat
root = sys.argv[1]
h = hashlib.sha256()
for base, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs + files):
        p = os.path.join(base, name)
        st = os.lstat(p)
        rec = [os.path.relpath(p, root), oct(st.st_mode), st.st_uid, st.st_gid, st.st_size, st.st_rdev]
        if stat.S_ISLNK(st.st_mode): rec.append(os.readlink(p))
        elif stat.S_ISREG(st.st_mode): rec.append(hashlib.sha256(open(p, 'rb').read()).hexdigest())
        try: rec.append(os.getxattr(p, 'trusted.overlay.opaque', follow_symlinks=False))
        except OSError: pass
        h.update(repr(rec).encode())
print(h.hexdigest())
`, dir], { encoding: 'utf8' });
  return out.trim();
}

/** Every xattr of a file as [name hex, value hex] pairs, sorted (names and values as bytes: no UTF-8 needed). */
function xattrsHex(file) {
  return JSON.parse(execFileSync('python3', ['-c', `
import os, sys, json
p = os.fsencode(sys.argv[1])
print(json.dumps(sorted([n.encode('utf-8', 'surrogateescape').hex(), os.getxattr(p, n, follow_symlinks=False).hex()] for n in os.listxattr(p, follow_symlinks=False))))
`, file], { encoding: 'utf8' }));
}

/** An xattr of a file (python's os.getxattr; no attr package needed); null when unset. */
function getXattr(file, name) {
  try {
    return execFileSync('python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())', file, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/**
 * The podman-built test image for a test file: built once before its tests (in a temporary
 * directory removed after them, even when they fail). Returns an object that holds podmanImage()'s
 * paths (ociArchive, ociDir, dockerArchive) once the file's before hook has run.
 */
function useTestImages(test) {
  const images = {};
  let imageDir;
  test.before(() => {
    imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-images-'));
    Object.assign(images, podmanImage(imageDir));
  });
  test.after.always(() => {
    if (imageDir) execFileSync('rm', ['-rf', '--one-file-system', imageDir]);
  });
  return images;
}

module.exports = { podmanImage, useTestImages, layerTar, ociLayout, busyboxLayer, treeDigest, getXattr, xattrsHex, sha256 };
