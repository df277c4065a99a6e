#!/usr/bin/env node
// `tsrunc bundle` against the tools that do the same job (issue 27), on one 5-layer image built
// here by podman (busybox-static + four layers of 4 MiB of random data and 200 small files each),
// interleaved round by round, wall time, median of ROUNDS:
//   - tsrunc bundle create, cold (empty layer store: every layer verified and unpacked);
//   - tsrunc bundle create, warm (a second bundle of the same image: only the overlay mount,
//     the image config and the volume), beside its floor: `tsrunc --version` (the tool's own start)
//     and a bare `mount -t overlay` of the same layers (mount(8)); and the bytes it reads from the
//     archive (strace, once: only headers and metadata);
//   - tsrunc bundle create, cold, from the same image with zstd layers (skopeo --dest-compress-format zstd);
//   - tsrunc create from that bundle;
//   - umoci unpack (a full rootfs copy per bundle, what runc users do without an engine) and
//     runc create from its bundle;
//   - podman create of the same image (loaded into a private podman store: overlay driver).
// Deletes, removals and podman rm are untimed. Writes bench/bundle.md.
//   ROUNDS=8 node bench/bundle.js
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const TSRUNC = path.join(repo, 'bin', 'tsrunc');
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const work = fs.mkdtempSync('/var/tmp/tsrunc-bundle-bench-');
const state = path.join(work, 'state');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, timeout: 300000, ...opts });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}
// A created container's init holds the stdio it was given: `create` gets none, or the pipe would
// never close.
function timed(argv, detached = false) {
  const t0 = process.hrtime.bigint();
  if (detached) {
    const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore', timeout: 60000 });
    if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.status}`);
  } else run(argv);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const podman = (...args) => ['podman', '--root', `${work}/podman/root`, '--runroot', `${work}/podman/runroot`, '--storage-driver', 'overlay', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args];

// The image: 5 layers.
const ctx = path.join(work, 'ctx');
fs.mkdirSync(path.join(ctx, 'r1/bin'), { recursive: true });
fs.copyFileSync('/bin/busybox', path.join(ctx, 'r1/bin/busybox'));
fs.chmodSync(path.join(ctx, 'r1/bin/busybox'), 0o755);
for (const c of ['sh', 'true', 'dd', 'mkdir', 'seq', 'echo']) fs.symlinkSync('busybox', path.join(ctx, 'r1/bin', c));
const layerRun = (i) => `RUN mkdir /l${i} && dd if=/dev/urandom of=/l${i}/blob bs=1M count=4 2>/dev/null && for n in $(seq 200); do echo $n > /l${i}/f$n; done`;
fs.writeFileSync(path.join(ctx, 'Containerfile'), ['FROM scratch', 'ADD r1/ /', ...[2, 3, 4, 5].map(layerRun), 'CMD ["/bin/true"]', ''].join('\n'));
run(podman('build', '--network', 'none', '-q', '-t', 'localhost/bench:latest', ctx));
const archive = path.join(work, 'img.oci.tar');
run(podman('save', '--format', 'oci-archive', '-o', archive, 'localhost/bench:latest'));
const archiveSize = fs.statSync(archive).size;
const layout = path.join(work, 'layout');
run(['skopeo', 'copy', `oci-archive:${archive}`, `oci:${layout}:bench`]);
const zstdLayout = path.join(work, 'zstd');
run(['skopeo', 'copy', '--dest-compress-format', 'zstd', `oci-archive:${archive}`, `oci:${zstdLayout}:bench`]);

const results = { 'bundle create (cold store)': [], 'bundle create (cold, zstd layers)': [], 'bundle create (warm: 2nd bundle)': [], 'floor: tsrunc --version': [], 'floor: mount -t overlay': [], 'tsrunc create': [], 'umoci unpack': [], 'runc create': [], 'podman create': [] };
let warmBytes = null;
const cleanup = [];
try {
  for (let round = 0; round < ROUNDS + 1; round++) {
    const keep = round > 0; // round 0 warms the page cache
    const store = path.join(work, `store${round}`);
    const b1 = path.join(work, `b1-${round}`);
    const b2 = path.join(work, `b2-${round}`);
    const cold = timed([TSRUNC, 'bundle', 'create', '--store', store, '--image', `oci-archive:${archive}`, b1]);
    const warm = timed([TSRUNC, 'bundle', 'create', '--store', store, '--image', `oci-archive:${archive}`, b2]);
    const version = timed([TSRUNC, '--version']);
    const layerDirs = JSON.parse(fs.readFileSync(path.join(b2, 'tsrunc-bundle.json'), 'utf8')).layers;
    const bare = path.join(work, `bare-${round}`);
    for (const d of ['m', 'u', 'w']) fs.mkdirSync(path.join(bare, d), { recursive: true });
    const mount = timed(['mount', '-t', 'overlay', '-o', `lowerdir=${[...layerDirs].reverse().join(':')},upperdir=${bare}/u,workdir=${bare}/w`, 'overlay', `${bare}/m`]);
    run(['umount', `${bare}/m`]);
    fs.rmSync(bare, { recursive: true, force: true });
    if (round === 1) {
      // Once: what the warm bundle reads from the archive (-y: each fd's path).
      const b3 = path.join(work, 'b3');
      const trace = path.join(work, 'trace');
      run(['strace', '-f', '-qq', '-y', '-o', trace, '-e', 'trace=read,pread64', TSRUNC, 'bundle', 'create', '--store', store, '--image', `oci-archive:${archive}`, b3]);
      warmBytes = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes(`<${archive}>`)).reduce((n, l) => n + Math.max(0, Number(/= (-?\d+)/.exec(l)?.[1] ?? 0)), 0);
      run([TSRUNC, '--root', state, 'bundle', 'rm', b3]);
    }
    const id = `bench-${process.pid}-${round}`;
    const create = timed([TSRUNC, '--root', state, 'create', '--bundle', b2, id], true);
    run([TSRUNC, '--root', state, 'delete', '--force', id]);
    for (const b of [b1, b2]) run([TSRUNC, '--root', state, 'bundle', 'rm', b]);
    run([TSRUNC, 'volume', 'prune', '--store', store]);
    fs.rmSync(store, { recursive: true, force: true });
    const zb = path.join(work, `zb-${round}`);
    const zstore = path.join(work, `zstore${round}`);
    const coldZstd = timed([TSRUNC, 'bundle', 'create', '--store', zstore, '--image', `oci:${zstdLayout}:bench`, zb]);
    run([TSRUNC, '--root', state, 'bundle', 'rm', zb]);
    fs.rmSync(zstore, { recursive: true, force: true });

    const ub = path.join(work, `umoci-${round}`);
    const umoci = timed(['umoci', 'unpack', '--image', `${layout}:bench`, ub]);
    const cfg = JSON.parse(fs.readFileSync(path.join(ub, 'config.json'), 'utf8'));
    cfg.process.terminal = false;
    fs.writeFileSync(path.join(ub, 'config.json'), JSON.stringify(cfg));
    const rid = `bench-runc-${process.pid}-${round}`;
    const runc = timed(['runc', '--root', `${state}-runc`, 'create', '--bundle', ub, rid], true);
    run(['runc', '--root', `${state}-runc`, 'delete', '--force', rid]);
    fs.rmSync(ub, { recursive: true, force: true });

    if (round === 0) run(podman('load', '-q', '-i', archive));
    const name = `bench-${round}`;
    const pc = timed(podman('create', '--name', name, '--network', 'none', 'localhost/bench:latest'));
    run(podman('rm', name));
    if (keep) {
      results['bundle create (cold store)'].push(cold);
      results['bundle create (cold, zstd layers)'].push(coldZstd);
      results['bundle create (warm: 2nd bundle)'].push(warm);
      results['floor: tsrunc --version'].push(version);
      results['floor: mount -t overlay'].push(mount);
      results['tsrunc create'].push(create);
      results['umoci unpack'].push(umoci);
      results['runc create'].push(runc);
      results['podman create'].push(pc);
    }
  }
} finally {
  try { run(podman('rmi', '-a', '-f')); } catch { /* below */ }
  for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((p) => p && p.startsWith(work)).reverse()) {
    try { execFileSync('umount', ['-l', m]); } catch { /* gone */ }
  }
  execFileSync('rm', ['-rf', '--one-file-system', work]);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const rows = Object.entries(results).map(([k, v]) => `| ${k} | ${median(v).toFixed(0)} | ${Math.min(...v).toFixed(0)} | ${Math.max(...v).toFixed(0)} |`);
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const text = `# tsrunc bundle vs umoci + runc vs podman create

\`node bench/bundle.js\` (ROUNDS=${ROUNDS}, ${new Date().toISOString()}, ${require('node:os').cpus().length} CPUs, shared host): a 5-layer image
(busybox-static + 4 layers of 4 MiB random data and 200 small files each, ~18 MiB), wall time in ms.

| step | median | min | max |
| --- | ---: | ---: | ---: |
${rows.join('\n')}

From image to a created container:
- tsrunc, first bundle of the image: ${(m['bundle create (cold store)'] + m['tsrunc create']).toFixed(0)} ms; any later bundle: ${(m['bundle create (warm: 2nd bundle)'] + m['tsrunc create']).toFixed(0)} ms (layers shared, only the overlay mount, config and volume).
- The second bundle: ${m['bundle create (warm: 2nd bundle)'].toFixed(0)} ms against a floor of ${(m['floor: tsrunc --version'] + m['floor: mount -t overlay']).toFixed(0)} ms (the tool's start, \`tsrunc --version\`, ${m['floor: tsrunc --version'].toFixed(0)} ms + a bare overlay mount ${m['floor: mount -t overlay'].toFixed(0)} ms); it read ${warmBytes} bytes of the ${archiveSize}-byte archive (headers, index, manifest, config: no layer).
- umoci unpack + runc create: ${(m['umoci unpack'] + m['runc create']).toFixed(0)} ms every time (a full copy of the rootfs per bundle).
- podman create: ${m['podman create'].toFixed(0)} ms (image already in podman's store; the runtime is not called until start).
`;
fs.writeFileSync(path.join(__dirname, 'bundle.md'), text);
console.log(text);
