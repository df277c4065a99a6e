'use strict';
// runtime-spec 1.2/1.3 features that only a cgroup v2 host shows (run in the VM lane).
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('../helpers/runtime');
const { MiB, SLOW, shell, cgroupOf, readCgroup } = require('./helpers');

// runc 1.1.5 predates memory.checkBeforeUpdate (runc 1.2 has it).
const tsruncOnly = isTsrunc ? test : test.skip;

tsruncOnly.serial('memory.checkBeforeUpdate: update refuses a limit not above memory.current, naming the field', async (t) => {
  // Every step in the software-emulated VM may take long when the host is loaded: each runtime
  // call gets SLOW (the helper's default of 20 s timed out there), the whole test 6 of them.
  t.timeout(6 * SLOW);
  const rt = useRuntime(t);
  // Holds 8 MiB in a tmpfs (charged to the container's cgroup): enough to be above the refused
  // limit whatever else the cgroup holds, and cheap to write under emulation.
  const bundle = rt.makeBundle(shell('dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; sleep 600', (c) => {
    c.linux.resources = { memory: { limit: 256 * MiB } };
  }));
  const id = rt.id('cbu');
  for (const args of [['create', '--bundle', bundle.dir, id], ['start', id]]) {
    const r = await rt.runtime(args, { timeout: SLOW });
    t.is(r.code, 0, `${args[0]}: ${r.stderr}`);
  }
  const { pid } = await rt.waitForStatus(id, 'running', SLOW);
  const dir = cgroupOf(pid);
  const current = () => Number(readCgroup(dir, 'memory.current'));
  await waitFor(() => current() > 7 * MiB, { timeout: SLOW, what: 'the tmpfs to fill' });
  t.log(`memory.current ${current()}`);
  const update = (limit) => rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit, checkBeforeUpdate: true } }), timeout: SLOW });
  const refused = await update(4 * MiB);
  t.not(refused.code, 0);
  t.regex(refused.stderr, /\/linux\/resources\/memory\/limit.*memory\.current/);
  t.is(readCgroup(dir, 'memory.max'), String(256 * MiB), 'the limit in force is unchanged');
  // A limit above memory.current is written.
  const raised = await update(128 * MiB);
  t.is(raised.code, 0, raised.stderr);
  t.is(readCgroup(dir, 'memory.max'), String(128 * MiB));
});
