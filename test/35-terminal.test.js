'use strict';
// process.terminal: the pty master over --console-socket (what containerd, podman and Docker
// use), and the foreground `run` / `exec -t` on a real terminal. The tests talk to the
// container's shell through the pty like a person would.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFile, execFileSync } = require('node:child_process');
const { promisify } = require('node:util');
const test = require('ava');
const { useRuntime, isTsrunc, RUNTIME, hostMounts } = require('./helpers/runtime');
const { consoleSocket, openTerminal } = require('./helpers/console');

const PROMPT = /\/ # /;
const tsruncOnly = isTsrunc ? test : test.skip;

/** A shell on a terminal of `rows`x`cols`. */
const shellConfig = (rows = 30, cols = 100) => (c) => {
  c.process.terminal = true;
  c.process.args = ['sh'];
  c.process.consoleSize = { height: rows, width: cols };
};

async function receiver(t, rt) {
  const cs = await consoleSocket(rt.hostDir('console'));
  t.teardown(() => cs.close());
  return cs;
}

test('create --console-socket: the master arrives, the shell is on /dev/pts/0 of the container, consoleSize applies, Ctrl-C works', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const bundle = rt.makeBundle(shellConfig(30, 100));
  const id = rt.id('tty');
  const created = await rt.runtime(['create', '--bundle', bundle.dir, '--console-socket', cs.path, id]);
  t.is(created.code, 0, created.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  t.is(term.name, '/dev/ptmx'); // runc sends the master's own name with it
  t.is((await rt.runtime(['start', id])).code, 0);
  await term.expect(PROMPT);
  t.is((await term.send('tty', /\/dev\/pts\/\d+/))[0], '/dev/pts/0');
  t.is((await term.send('stty size', /\d+ \d+/))[0], '30 100');
  // /dev/console is the same terminal (bound over a file the runtime made).
  t.truthy(await term.send('[ /dev/console -ef /dev/pts/0 ] && echo console-is-pty', /console-is-pty\r?\n/));
  // Ctrl-C reaches the foreground process through the pty's line discipline.
  const from = term.output.length;
  term.write('sleep 100\r');
  await term.expect(/sleep 100/, { from });
  await new Promise((resolve) => setTimeout(resolve, 300));
  term.write('\x03');
  t.truthy(await term.send('echo status=$?', /status=130/));
  term.write('exit 3\r');
  t.true(await term.closedWithin());
  await rt.waitForStatus(id, 'stopped');
});

test('run -d with a terminal returns at once and does not hold the caller\'s stdout', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const bundle = rt.makeBundle(shellConfig());
  const id = rt.id('ttyd');
  // The harness reads stdout from a file, so also check the container does not hold it: the
  // shell's stdout is the pty, not the runtime's.
  const r = await rt.runtime(['run', '-d', '--bundle', bundle.dir, '--console-socket', cs.path, id], { timeout: 15000 });
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(PROMPT);
  t.regex((await term.send('readlink /proc/1/fd/1', /\/dev\/pts\/\d+/))[0], /^\/dev\/pts\/0$/);
});

test('exec -t -d --console-socket: the exec\'d shell gets its own pty of the container', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const r = await rt.runtime(['exec', '-t', '-d', '--console-socket', cs.path, id, 'sh']);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(PROMPT);
  t.is((await term.send('tty', /\/dev\/pts\/\d+/))[0], '/dev/pts/0');
  t.truthy(await term.send('tr "\\0" " " < /proc/1/cmdline; echo', /sleep 1000 \r\n/));
  term.write('exit\r');
  t.true(await term.closedWithin());
});

test('exec -d --console-socket --process: a process.json with terminal and consoleSize, as podman writes it', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const file = path.join(rt.base, 'process.json');
  fs.writeFileSync(file, JSON.stringify({
    terminal: true, consoleSize: { height: 25, width: 90 }, user: { uid: 0, gid: 0 },
    args: ['sh'], env: ['PATH=/usr/bin:/bin', 'TERM=xterm', 'HOME=/root'], cwd: '/',
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  }));
  const r = await rt.runtime(['exec', '-d', '--console-socket', cs.path, '--process', file, id]);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(PROMPT);
  t.truthy(await term.send('stty size; echo $TERM', /25 90\r\nxterm\r\n/));
  term.write('exit\r');
  t.true(await term.closedWithin());
});

test('a foreground terminal process with no terminal to take (none on stdio, no controlling one) is refused, nothing left behind', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shellConfig());
  const id = rt.id('notty');
  // stdin /dev/null, stdout and stderr files, a session of its own: no terminal anywhere.
  const run = await rt.runtime(['run', '--bundle', bundle.dir, id], { detached: true });
  t.is(run.code, 1);
  t.regex(run.stderr, /open \/dev\/tty: no such device or address/); // runc's words
  t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
  const { id: running } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const exec = await rt.runtime(['exec', '-t', running, 'sh'], { detached: true });
  t.is(exec.code, 255);
  t.regex(exec.stderr, /exec failed: .*open \/dev\/tty: no such device or address/);
});

test('stdin not a terminal but stdout one: run takes stdout\'s terminal, as runc does', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => { shellConfig(20, 70)(c); c.process.args = ['sh', '-c', 'tty; stty size; exit 5']; });
  const { terminal, slave } = openTerminal({ rows: 20, cols: 70 });
  t.teardown(() => { terminal.close(); try { fs.closeSync(slave); } catch { /* closed */ } });
  const child = spawn(RUNTIME, ['--root', rt.root, 'run', '--bundle', bundle.dir, rt.id('outtty')], { stdio: ['ignore', slave, slave], detached: true });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.is(code, 5);
  await terminal.expect(/\/dev\/pts\/0\r+\n20 70\r+\n/);
});

test('no terminal on stdio but a controlling one: run takes /dev/tty, output goes to its stdout, as runc does', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => { shellConfig()(c); c.process.args = ['sh', '-c', 'tty; echo from-container; exit 3']; });
  const out = path.join(rt.hostDir('out'), 'run.out');
  // script(1) gives the runtime a controlling terminal; every stdio fd of the runtime is redirected.
  const cmd = `${RUNTIME} --root ${rt.root} run --bundle ${bundle.dir} ${rt.id('ctty')} </dev/null >${out} 2>&1; echo "rc=$?" >>${out}`;
  await promisify(execFile)('script', ['-qec', cmd, '/dev/null'], { timeout: 30000 });
  const text = fs.readFileSync(out, 'utf8');
  t.regex(text, /\/dev\/pts\/0\r?\nfrom-container\r?\n/);
  t.regex(text, /rc=3\n$/);
});

test('terminal without --console-socket, or a console socket that is not listening: a clear error, nothing left behind', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shellConfig());
  const id = rt.id('nosock');
  const none = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.not(none.code, 0);
  if (isTsrunc) t.regex(none.stderr, /cannot allocate tty if tsrunc will detach without setting console socket \(\/process\/terminal is true\)/);
  const file = path.join(rt.base, 'not-a-socket');
  fs.writeFileSync(file, '');
  for (const sock of [file, path.join(rt.base, 'missing.sock')]) {
    const r = await rt.runtime(['create', '--bundle', bundle.dir, '--console-socket', sock, id]);
    t.not(r.code, 0);
    if (isTsrunc) t.regex(r.stderr, new RegExp(`--console-socket ${sock} is not a listening unix socket`));
  }
  const left = await rt.leftovers(id);
  t.deepEqual(left, { stateDir: false, processes: [], mounts: [] });
});

tsruncOnly('/dev/console: a symlink the rootfs planted there is replaced, never followed (runc 1.1.5 follows it and fails the create)', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const victim = path.join(rt.hostDir('host'), 'victim');
  fs.writeFileSync(victim, 'host data\n');
  const bundle = rt.makeBundle((c) => {
    shellConfig()(c);
    c.mounts = c.mounts.filter((m) => m.destination !== '/dev'); // the rootfs's own /dev
  });
  fs.mkdirSync(path.join(bundle.rootfs, 'dev'), { recursive: true });
  fs.rmSync(path.join(bundle.rootfs, 'dev/console'), { force: true });
  fs.symlinkSync(victim, path.join(bundle.rootfs, 'dev/console'));
  const id = rt.id('console');
  const r = await rt.runtime(['run', '-d', '--bundle', bundle.dir, '--console-socket', cs.path, id]);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(PROMPT);
  t.truthy(await term.send('[ /dev/console -ef /dev/pts/0 ] && echo console-is-pty', /console-is-pty\r?\n/));
  t.is(fs.readFileSync(victim, 'utf8'), 'host data\n');
  t.false(hostMounts().some((m) => m.mountPoint === victim));
  t.false(fs.lstatSync(path.join(bundle.rootfs, 'dev/console')).isSymbolicLink());
});

const stty = (name) => execFileSync('stty', ['-g', '-F', name], { encoding: 'utf8' });

/** Runs the runtime with a real terminal as its stdio: {terminal, name, exited}. */
function onTerminal(t, rt, args, size) {
  const { terminal, slave, name } = openTerminal(size);
  t.teardown(() => { terminal.close(); try { fs.closeSync(slave); } catch { /* closed */ } });
  const cooked = stty(name); // before the runtime can touch it
  const child = spawn(RUNTIME, ['--root', rt.root, ...args], { stdio: [slave, slave, slave], detached: true });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { terminal, name, child, exited, cooked };
}

// (runc leaves output processing on in the caller's terminal, so it shows "\r\r\n" where tsrunc,
// in cfmakeraw mode, shows the container's "\r\n": the patterns take either.)
test('foreground run on a real terminal: interactive shell, raw mode while it runs, restored after, exit status', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shellConfig());
  const id = rt.id('fg');
  const { terminal, name, child, exited, cooked } = onTerminal(t, rt, ['run', '--bundle', bundle.dir, id], { rows: 40, cols: 120 });
  await terminal.expect(PROMPT, { timeout: 60000 }); // a slow machine (the cgroup v2 VM) starts slowly
  t.not(stty(name), cooked, 'the caller\'s terminal is raw while the container runs');
  t.truthy(await terminal.send('tty; stty size', /\n\/dev\/pts\/0\r+\n40 120\r+\n/));
  // A window-size change of the caller's terminal reaches the container's.
  const { addon } = require('./helpers/console');
  addon.setWindowSize(terminal.fd, 50, 132);
  child.kill('SIGWINCH');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.truthy(await terminal.send('stty size', /50 132/));
  terminal.write('exit 4\r');
  t.deepEqual(await exited, { code: 4, signal: null });
  t.is(stty(name), cooked);
});

test('foreground exec -t on a real terminal: a shell in the container, exit status, terminal restored', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const { terminal, name, exited, cooked } = onTerminal(t, rt, ['exec', '-t', id, 'sh'], { rows: 33, cols: 99 });
  await terminal.expect(PROMPT, { timeout: 60000 }); // a slow machine (the cgroup v2 VM) starts slowly
  t.truthy(await terminal.send('tty; stty size; cat /proc/1/cmdline', /\n\/dev\/pts\/0\r+\n33 99\r+\nsleep/));
  terminal.write('exit 6\r');
  t.deepEqual(await exited, { code: 6, signal: null });
  t.is(stty(name), cooked);
});

test('foreground run on a terminal: every byte of a long output arrives, also what was still buffered at exit', async (t) => {
  const rt = useRuntime(t);
  // 1000 lines (~45 KiB): far more than the 4 KiB a pty master hands out per read, and written
  // faster than the copy, so much of it is still in the pty when the process exits.
  const script = 'i=0; while [ $i -lt 1000 ]; do echo "line $i 0123456789012345678901234567890123"; i=$((i+1)); done; echo END';
  const bundle = rt.makeBundle((c) => { shellConfig()(c); c.process.args = ['sh', '-c', script]; });
  for (let round = 0; round < 3; round++) {
    const { terminal, slave } = openTerminal({ rows: 30, cols: 100 });
    t.teardown(() => { terminal.close(); try { fs.closeSync(slave); } catch { /* closed */ } });
    const file = path.join(rt.hostDir('out'), `run-${round}`);
    const out = fs.openSync(file, 'w');
    const child = spawn(RUNTIME, ['--root', rt.root, 'run', '--bundle', bundle.dir, rt.id('long')], { stdio: [slave, out, out], detached: true });
    fs.closeSync(out);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    t.is(code, 0);
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
    t.is(lines.length, 1001, `round ${round}: ${lines.length} lines arrived`);
    t.is(lines[lines.length - 1], 'END');
  }
});

test('a non-root process.user owns its pty slave; group and mode are devpts\'s (tty group, 0620), as runc sets them', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const bundle = rt.makeBundle((c) => { shellConfig()(c); c.process.user = { uid: 1000, gid: 1000 }; });
  const id = rt.id('ttyuser');
  const created = await rt.runtime(['create', '--bundle', bundle.dir, '--console-socket', cs.path, id]);
  t.is(created.code, 0, created.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  t.is((await rt.runtime(['start', id])).code, 0);
  await term.expect(/\$ /);
  t.truthy(await term.send('stat -c "%u:%g %a" $(tty); id -u', /1000:5 620\r?\n1000\r?\n/));
  // The user can reopen its own terminal.
  t.truthy(await term.send('echo reopened > /dev/tty', /reopened\r?\n/));
  term.write('exit\r');
  t.true(await term.closedWithin());
});

test('exec -t as a non-root user: the exec\'s pty is that user\'s too', async (t) => {
  const rt = useRuntime(t);
  const cs = await receiver(t, rt);
  const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const r = await rt.runtime(['exec', '-t', '-d', '--console-socket', cs.path, '--user', '1000:1000', id, 'sh']);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(/\$ /);
  t.truthy(await term.send('stat -c "%u:%g %a" $(tty)', /1000:5 620\r?\n/));
  term.write('exit\r');
});
