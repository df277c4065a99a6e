'use strict';
// An in-process caller's containers are forked by one tsrunc-init fork server (native/init/zygote.h)
// rather than each exec'ing tsrunc-init. What that must not change: the caller's process still
// exits by itself once its work is done (an idle server holds nothing on its event loop), the
// server ends with it, and each helper starts from the caller's working directory and umask of
// the moment, as a spawned one would.
const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, REPO } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const tsruncOnly = isTsrunc ? test : test.skip;

/** Runs `code` in a Node process inside the package (require('tsrunc') is this tree); its stdout. */
function runNode(t, code, timeout) {
  const file = path.join(REPO, `.fork-server-test-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, code);
  t.teardown(() => fs.rmSync(file, { force: true }));
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [file], { cwd: REPO, timeout }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out))));
}

/** The state letter of pid ("Z" zombie), or undefined once it is gone. */
function stateOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

tsruncOnly('containers of one process are forked by a single server, which ends with the process', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('exit 0'));
  const ids = [rt.id('fork'), rt.id('fork'), rt.id('fork')];
  const out = await runNode(t, `
    const fs = require('node:fs');
    const { Runtime } = require('tsrunc');
    const api = new Runtime({ root: ${JSON.stringify(rt.root)} });
    const children = () => fs.readdirSync('/proc/self/task').flatMap((tid) =>
      fs.readFileSync('/proc/self/task/' + tid + '/children', 'utf8').trim().split(' ').filter(Boolean))
      .map((pid) => ({ pid, comm: fs.readFileSync('/proc/' + pid + '/comm', 'utf8').trim() }));
    (async () => {
      for (const id of ${JSON.stringify(ids)}) {
        const code = await api.run(id, { bundle: ${JSON.stringify(bundle.dir)}, stdio: ['ignore', 'ignore', 'ignore'] });
        if (code !== 0) throw new Error(id + ' exited ' + code);
      }
      console.log(JSON.stringify(children().filter((c) => c.comm === 'tsrunc:zygote').map((c) => Number(c.pid))));
    })();`, 60000);
  const servers = JSON.parse(out);
  t.is(servers.length, 1, 'one fork server for the three containers');
  // The process exited by itself (execFile resolved); its server reads end-of-file and ends.
  const deadline = Date.now() + 5000;
  while (!['Z', undefined].includes(stateOf(servers[0])) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.true(['Z', undefined].includes(stateOf(servers[0])), 'the server ended with its process');
});

tsruncOnly("a forked helper starts with the caller's umask; its createContainer hooks run from the rootfs", async (t) => {
  const rt = useRuntime(t);
  // A createContainer hook runs in the init, which inherits the umask tsrunc runs with (runtime-spec:
  // hooks run with the runtime's). Its working directory is the container's root, as runc's, whatever
  // the caller's is (test/72 has the side-by-side test of that).
  const seen = path.join(path.dirname(rt.root), `hook-seen-${process.pid}`); // the test's own temp dir
  const bundle = rt.makeBundle((c) => {
    c.process.args = ['true'];
    c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `echo "$(pwd) $(umask)" >> ${seen}`] }] };
  });
  t.teardown(() => fs.rmSync(seen, { force: true }));
  const ids = [rt.id('cwd'), rt.id('cwd')];
  await runNode(t, `
    const { Runtime } = require('tsrunc');
    const api = new Runtime({ root: ${JSON.stringify(rt.root)} });
    (async () => {
      process.chdir('/tmp');
      process.umask(0o027);
      await api.run(${JSON.stringify(ids[0])}, { bundle: ${JSON.stringify(bundle.dir)}, stdio: ['ignore', 'ignore', 'ignore'] });
      process.chdir('/');
      process.umask(0o002);
      await api.run(${JSON.stringify(ids[1])}, { bundle: ${JSON.stringify(bundle.dir)}, stdio: ['ignore', 'ignore', 'ignore'] });
    })();`, 60000);
  t.deepEqual(fs.readFileSync(seen, 'utf8').trim().split('\n'), [`${bundle.dir}/rootfs 0027`, `${bundle.dir}/rootfs 0002`]);
});

tsruncOnly('a fork server killed between two containers is replaced: the next container still runs', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('exit 7'));
  const ids = [rt.id('kill'), rt.id('kill')];
  const out = await runNode(t, `
    const fs = require('node:fs');
    const { Runtime } = require('tsrunc');
    const api = new Runtime({ root: ${JSON.stringify(rt.root)} });
    const servers = () => fs.readdirSync('/proc/self/task').flatMap((tid) =>
      fs.readFileSync('/proc/self/task/' + tid + '/children', 'utf8').trim().split(' ').filter(Boolean))
      .filter((pid) => { try { return fs.readFileSync('/proc/' + pid + '/comm', 'utf8').trim() === 'tsrunc:zygote'; } catch { return false; } });
    const run = (id) => api.run(id, { bundle: ${JSON.stringify(bundle.dir)}, stdio: ['ignore', 'ignore', 'ignore'] });
    (async () => {
      const first = await run(${JSON.stringify(ids[0])});
      const [killed] = servers();
      process.kill(Number(killed), 'SIGKILL');
      while (fs.readFileSync('/proc/' + killed + '/stat', 'utf8').split(') ')[1][0] !== 'Z') await new Promise((r) => setTimeout(r, 5));
      const second = await run(${JSON.stringify(ids[1])});
      console.log(JSON.stringify({ first, second, replaced: servers().filter((p) => p !== killed).length }));
    })();`, 60000);
  t.deepEqual(JSON.parse(out), { first: 7, second: 7, replaced: 1 });
});
