'use strict';
// What the container process inherits from the runtime: stdio as the caller gave it, and
// nothing else (no stray fds, no non-blocking flag the runtime's own I/O might have set).
const path = require('node:path');
const { spawn } = require('node:child_process');
const test = require('ava');
const { useRuntime, RUNTIME, parseMountinfo } = require('./helpers/runtime');

const O_NONBLOCK = 0o4000;

/** `run` with stdio as pipes (what clients that capture output give a runtime). */
function runWithPipes(rt, bundle, id) {
  return new Promise((resolve, reject) => {
    const child = spawn(RUNTIME, ['--root', rt.root, 'run', '--bundle', bundle.dir, id], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('stdio pipes reach the container still blocking', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'for fd in 0 1 2; do grep ^flags: /proc/self/fdinfo/$fd; done'] } });
  const r = await runWithPipes(rt, bundle, rt.id('pipes'));
  t.is(r.code, 0, r.stderr);
  const flags = r.stdout.trim().split('\n').map((l) => parseInt(l.split(/\s+/)[1], 8));
  t.is(flags.length, 3, r.stdout);
  for (const f of flags) t.is(f & O_NONBLOCK, 0, `fd flags ${f.toString(8)} must not include O_NONBLOCK`);
});

/** fd 1's flags in a Node process whose stdout is a pipe, after `code` and a console.log. */
function stdoutFlagsAfter(code) {
  const script = `${code}; console.log('x'); require('fs').writeSync(2, require('fs').readFileSync('/proc/self/fdinfo/1', 'utf8'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => resolve(parseInt(/^flags:\s+(\d+)/m.exec(stderr)?.[1] ?? 'NaN', 8)));
  });
}

test('a Node stream made on a shared stdio pipe after the container started leaves it blocking', async (t) => {
  // Node's process.stdout on a pipe makes the pipe non-blocking for everyone who shares it; a
  // container started before tsrunc's first console.log (or warning) shares it. keepStdioBlocking
  // (src/runtime/stdio-blocking.ts, installed by every launch) clears the flag as the stream is made.
  const plain = await stdoutFlagsAfter('');
  t.is(plain & O_NONBLOCK, O_NONBLOCK, 'without it, Node leaves the pipe non-blocking (what this test guards against)');
  const kept = await stdoutFlagsAfter(`require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'runtime', 'stdio-blocking.js'))}).keepStdioBlocking()`);
  t.is(kept & O_NONBLOCK, 0, `fd flags ${kept.toString(8)} must not include O_NONBLOCK`);
});

test('only stdio is open in the container process', async (t) => {
  const rt = useRuntime(t);
  // `ls` opens the directory itself as fd 3; everything else would be a leak from the runtime.
  const r = await rt.run({ process: { args: ['sh', '-c', 'exec ls /proc/self/fd'] } });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split(/\s+/).map(Number).sort(), [0, 1, 2, 3]);
});

test('--no-pivot builds the same root with MS_MOVE + chroot', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ hostname: 'nopivot', process: { args: ['sh', '-c', 'hostname; ls /; echo ---; cat /proc/self/mountinfo'] } });
  const r = await rt.runtime(['run', '--no-pivot', '--bundle', bundle.dir, rt.id('nopivot')]);
  t.is(r.code, 0, r.stderr);
  const [listing, mountinfo] = r.stdout.split('---\n');
  const [hostname, ...rest] = listing.split('\n');
  t.is(hostname, 'nopivot');
  t.true(rest.includes('bin') && rest.includes('proc'), r.stdout);
  const points = parseMountinfo(mountinfo).map((m) => m.mountPoint);
  t.true(points.includes('/proc'), r.stdout);
  t.deepEqual(points.filter((p) => p.includes('tsrunc-test')), [], 'no host path is a mount point inside');
});

test('a config without process.capabilities gets no capabilities at all (as runc)', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run((c) => {
    delete c.process.capabilities;
    c.process.args = ['sh', '-c', 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status; mount -t tmpfs none /mnt && echo mounted'];
  });
  const caps = Object.fromEntries(r.stdout.trim().split('\n').filter((l) => l.startsWith('Cap')).map((l) => l.split(/:\s+/)));
  t.deepEqual(Object.keys(caps).sort(), ['CapAmb', 'CapBnd', 'CapEff', 'CapInh', 'CapPrm']);
  for (const [set, mask] of Object.entries(caps)) t.is(BigInt('0x' + mask), 0n, set);
  t.notRegex(r.stdout, /mounted/, 'mount needs CAP_SYS_ADMIN');
});
