'use strict';
// --pidfd-socket (runc 1.2) for create/run and exec: the runtime connects to the unix socket and
// sends a pidfd of the container's process with SCM_RIGHTS. A small receiver (python3) accepts
// one message and prints the pid the received pidfd refers to (/proc/self/fdinfo: "Pid:").
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('./helpers/runtime');

const RECEIVER = `
import socket, sys, os, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 64, 1)
pid = [l.split()[1] for l in open('/proc/self/fdinfo/%d' % fds[0]) if l.startswith('Pid:')][0]
print(pid, msg.decode(), flush=True)
`;

function receiver(t, rt) {
  const dir = rt.hostDir('pidfd');
  const sock = path.join(dir, 'pidfd.sock');
  const child = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const got = new Promise((resolve) => child.on('close', () => resolve(out.trim())));
  return { sock, got, ready: waitFor(() => fs.existsSync(sock), { what: 'the receiver socket' }) };
}

// runc 1.1.5 has no --pidfd-socket (runc 1.2 has).
const tsruncOnly = isTsrunc ? test : test.skip;

tsruncOnly('create --pidfd-socket sends a pidfd of the init; exec --pidfd-socket one of the exec\'d process', async (t) => {
  const rt = useRuntime(t);
  const r1 = receiver(t, rt);
  await r1.ready;
  const bundle = rt.makeBundle((c) => { c.process.args = ['sleep', '60']; });
  const id = rt.id('pidfd');
  const created = await rt.runtime(['create', '--pidfd-socket', r1.sock, '--bundle', bundle.dir, id]);
  t.is(created.code, 0, created.stderr);
  const { state } = await rt.state(id);
  t.is(await r1.got, `${state.pid} pidfd`);
  t.is((await rt.runtime(['start', id])).code, 0);

  const r2 = receiver(t, rt);
  await r2.ready;
  const pidFile = path.join(rt.hostDir('pf'), 'exec.pid');
  const exec = await rt.runtime(['exec', '--pidfd-socket', r2.sock, '--pid-file', pidFile, id, 'sleep', '1']);
  t.is(exec.code, 0, exec.stderr);
  t.is(await r2.got, `${fs.readFileSync(pidFile, 'utf8').trim()} pidfd`);
});

tsruncOnly('--pidfd-socket nobody listens on fails run and exec before anything exists', async (t) => {
  const rt = useRuntime(t);
  const sock = path.join(rt.hostDir('none'), 'nobody.sock');
  const r = await rt.run((c) => { c.process.args = ['true']; });
  t.is(r.code, 0);
  const bundle = rt.makeBundle((c) => { c.process.args = ['true']; });
  const id = rt.id('nopidfd');
  const run = await rt.runtime(['run', '--pidfd-socket', sock, '--bundle', bundle.dir, id]);
  t.not(run.code, 0);
  t.regex(run.stderr, /--pidfd-socket .* is not a listening unix socket/);
  t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
});
