'use strict';
// The escapes runc's advisories describe, tried through `exec` (73-hygiene tries them through
// the init): fds and the working directory of the runtime leaking into the exec'd process
// (CVE-2024-21626), and the runtime's executable reachable for rewriting (CVE-2019-5736).
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor, isAlive } = require('./helpers/runtime');
const { consoleSocket } = require('./helpers/console');

const SLEEPER = { process: { args: ['sleep', '1000'] } };

test('the exec\'d process holds no fd of the runtime, with or without a terminal', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  // ls opens /proc/self/fd itself: that is the 3.
  const plain = await rt.runtime(['exec', id, 'sh', '-c', 'ls -l /proc/self/fd | grep -v " 3 ->" | grep -c -- "->"']);
  t.is(plain.code, 0, plain.stderr);
  t.is(plain.stdout.trim(), '3');
  const cs = await consoleSocket(rt.hostDir('console'));
  t.teardown(() => cs.close());
  const r = await rt.runtime(['exec', '-t', '-d', '--console-socket', cs.path, id, 'sh']);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(/\/ # /);
  // Every fd of the shell is its terminal (ash opens /dev/tty, its controlling terminal, as fd 10).
  const m = await term.send('for f in /proc/$$/fd/*; do readlink $f; done | sort -u | tr "\\n" " "; echo end', /\r\n(.*)end\r\n/);
  t.is(m[1], '/dev/pts/0 /dev/tty ');
  term.write('exit\r');
});

test('the exec\'d process\'s working directory and everything it can reach are inside the container', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(SLEEPER);
  fs.writeFileSync(path.join(bundle.rootfs, 'inside-marker'), '');
  const id = rt.id('cwd');
  for (const args of [['create', '--bundle', bundle.dir, id], ['start', id]]) t.is((await rt.runtime(args)).code, 0);
  const r = await rt.runtime(['exec', '--cwd', '/etc', id, 'sh', '-c', 'readlink /proc/self/cwd; ls /proc/self/cwd/../../../.. | grep -c inside-marker']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '/etc\n1\n');
});

(isTsrunc ? test : test.skip)('the exec helper runs from a sealed memfd: its executable cannot be rewritten (CVE-2019-5736)', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(SLEEPER);
  const { child, done } = rt.spawnRuntime(['exec', id, 'sleep', '30']);
  // The foreground helper waits for the process: find it among the runtime's children.
  const helper = await waitFor(() => {
    try {
      const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      return kids.find((k) => fs.readFileSync(`/proc/${k}/comm`, 'utf8').startsWith('tsrunc:[0:EXEC]'));
    } catch {
      return undefined;
    }
  }, { what: 'the exec helper' });
  t.regex(fs.readlinkSync(`/proc/${helper}/exe`), /^\/memfd:tsrunc-init \(deleted\)$/);
  const err = t.throws(() => fs.openSync(`/proc/${helper}/exe`, 'r+'));
  t.true(['ETXTBSY', 'EPERM', 'EACCES'].includes(err.code), err.code);
  child.kill('SIGKILL');
  await done;
  await rt.runtime(['kill', '--all', id, 'KILL']);
  await waitFor(() => !isAlive(helper), { what: 'the helper to exit' }).catch(() => {});
});
