'use strict';
// Errors keep their cause (issue 26): what the init or a helper knew about a failure reaches the
// caller as data, not only as words - the errno of the init's failed call, the signal that killed
// a helper, a sync read error that is not end-of-file. Through the library API (the CLI prints the
// same errors), tsrunc only: runc's Go API is not this one.
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const tsruncOnly = isTsrunc ? test : test.skip;

/** The parent pid of `pid` (/proc/<pid>/stat field 4). */
function parentOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

tsruncOnly('a failure of the init keeps its errno and the field: args[0] missing is ENOENT at /process/args/0', async (t) => {
  const rt = useRuntime(t);
  const { Runtime } = require('tsrunc');
  const api = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle((c) => { c.process.args = ['/no/such/program']; });
  const id = rt.id('errno');
  const e = await t.throwsAsync(api.create(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] }));
  t.is(e.code, 'SETUP_FAILED');
  t.is(e.errno, 'ENOENT');
  t.is(e.pointer, '/process/args/0');
  t.regex(e.message, /no such file or directory/);
  t.false(fs.existsSync(`${rt.root}/${id}`), 'nothing left behind');
});

tsruncOnly('a foreground helper killed by signal N is reported as 128+N (9 -> 137), as runc\'s CLI reports it', async (t) => {
  const rt = useRuntime(t);
  const { Runtime } = require('tsrunc');
  const api = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle(shell('sleep 60'));
  const id = rt.id('sig');
  const p = await api.spawn(id, { bundle: bundle.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  // The helper (tsrunc-init's stage-0) is the init's parent and waits for it.
  const helper = parentOf(p.pid);
  t.regex(fs.readFileSync(`/proc/${helper}/comm`, 'utf8'), /tsrunc/);
  process.kill(helper, 'SIGKILL');
  t.is(await p.exited, 137);
  t.false(fs.existsSync(`${rt.root}/${id}`), 'the container was deleted after its helper died');
});
