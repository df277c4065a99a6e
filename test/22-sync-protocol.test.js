'use strict';
// The sync protocol between tsrunc and tsrunc-init (native/init/sync.h), driven step by step
// against the real init: a message out of order is refused on both sides with an error naming
// the step expected and the step received, and the init is left to exit, never blocked.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { compilePlan } = require('tsrunc');
const { launchInit } = require('tsrunc/internal');
const { TsruncError } = require('tsrunc');
const { useRuntime } = require('./helpers/runtime');

/** Launches the init for a real plan (new namespaces, no cgroup) and stays its parent. */
function launch(t) {
  const bundle = useRuntime(t).makeBundle({ process: { args: ['true'] } });
  const plan = compilePlan(bundle.config, bundle.dir, { id: 'sync-protocol' });
  const launched = launchInit(plan, { wait: true, preserveFds: 0 });
  const exited = new Promise((resolve) => launched.helper.on('exit', (code) => resolve(code)));
  t.teardown(() => launched.sync.close());
  return { ...launched, exited };
}

test('the init refuses a message out of order, naming the step it expected and the one it got', async (t) => {
  const { sync, exited } = launch(t);
  const { pid } = await sync.expect('pid'); // step 2
  t.true(pid > 0);
  sync.send({ type: 'resume' }); // step 5 where step 3 (go) belongs
  const e = await t.throwsAsync(sync.expect('ready'), { instanceOf: TsruncError });
  t.is(e.code, 'SETUP_FAILED');
  t.regex(e.message, /sync protocol: expected step 3 \(go\), received step 5 \(resume\)/);
  t.is(await exited, 1, 'the init exits (its status through the waiting stage-0)');
});

test('tsrunc refuses a message out of order with a PROTOCOL error naming both steps', async (t) => {
  const { sync, exited } = launch(t);
  // The init sends step 2 (pid); asking for step 6 (ready) here is the mismatch.
  const e = await t.throwsAsync(sync.expect('ready'), { instanceOf: TsruncError });
  t.is(e.code, 'PROTOCOL');
  t.regex(e.message, /expected step 6 \(ready\) from tsrunc-init, received step 2 \(pid\)/);
  sync.close();
  t.is(await exited, 1, 'the init reads end-of-file instead of step 3 and exits');
});

test("the init's memfd never lands in a slot the spawn overwrites", async (t) => {
  // All fds below the lowest free one are open: preserve every one above stdio. A FIFO fd far
  // above leaves holes right after them, where the sealed copy of the init would be allocated
  // - inside the slots the spawn dup2()s the sync socket and the FIFO fd onto before exec.
  const dir = useRuntime(t).hostDir('fds');
  const opened = Array.from({ length: 8 }, (_, i) => fs.openSync(path.join(dir, `f${i}`), 'w'));
  const fifoFd = opened.pop();
  opened.forEach((fd) => fs.closeSync(fd));
  t.teardown(() => fs.closeSync(fifoFd));
  const lowest = fs.openSync(path.join(dir, 'probe'), 'w');
  fs.closeSync(lowest);
  t.true(lowest < fifoFd - 2, 'there is a hole below the FIFO fd');
  // A plan the init rejects at once: the answer proves it was executed, and nothing is created.
  const launched = launchInit({ version: 0 }, { wait: false, preserveFds: lowest - 3, fifoFd });
  t.teardown(() => launched.sync.close());
  const e = await t.throwsAsync(launched.sync.expect('pid'), { instanceOf: TsruncError });
  t.is(e.code, 'SETUP_FAILED');
  t.regex(e.message, /^container init failed: .*plan/, 'tsrunc-init itself answered');
});
