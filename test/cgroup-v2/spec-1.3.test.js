'use strict';
// runtime-spec 1.2/1.3 features that only a cgroup v2 host shows (run in the VM lane).
const test = require('ava');
const { useRuntime, isTsrunc } = require('../helpers/runtime');
const { MiB, SLOW, shell, cgroupOf, readCgroup } = require('./helpers');

// runc 1.1.5 predates memory.checkBeforeUpdate (runc 1.2 has it).
const tsruncOnly = isTsrunc ? test : test.skip;

tsruncOnly.serial('memory.checkBeforeUpdate: update refuses a limit not above memory.current, naming the field', async (t) => {
  t.timeout(5 * SLOW);
  const rt = useRuntime(t);
  // Holds ~24 MiB in a tmpfs (charged to the container's cgroup).
  const { id, pid } = await rt.startContainer(shell('dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; sleep 600', (c) => {
    c.linux.resources = { memory: { limit: 256 * MiB } };
  }));
  t.log('started');
  const dir = cgroupOf(pid);
  const current = () => Number(readCgroup(dir, 'memory.current'));
  await require('../helpers/runtime').waitFor(() => current() > 20 * MiB, { timeout: SLOW, what: 'the tmpfs to fill' });
  t.log('filled', current());
  const refused = await rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 8 * MiB, checkBeforeUpdate: true } }), timeout: SLOW });
  t.not(refused.code, 0);
  t.regex(refused.stderr, /\/linux\/resources\/memory\/limit.*memory\.current/);
  t.is(readCgroup(dir, 'memory.max'), String(256 * MiB), 'the limit in force is unchanged');
  // Without the flag the same limit is written (and the kernel reclaims or OOM-kills).
  const raised = await rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 128 * MiB, checkBeforeUpdate: true } }), timeout: SLOW });
  t.is(raised.code, 0, raised.stderr);
  t.is(readCgroup(dir, 'memory.max'), String(128 * MiB));
});
