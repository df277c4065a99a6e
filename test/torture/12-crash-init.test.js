'use strict';
// Crash consistency, the other side: the container's init dies during its setup - a hook fails, a
// mount fails, the process's binary is missing or not executable, the OOM killer takes it (a
// memory limit too small to build the container in), or it is SIGKILLed at a random instant of
// create. Each gives its own clear error, and leaves the same clean slate as a killed tsrunc: a
// failed create leaves nothing at all, even before `delete --force`; the host's devices and the
// bundle's rootfs are unchanged.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { isTsrunc, useRuntime } = require('../helpers/runtime');
const { figure, trials } = require('./lib/figures');
const { afterCrash, hostSnapshot, hostChanges } = require('./lib/crash');
const { countLeaks, findLeaks } = require('./lib/leaks');

const tsruncOnly = isTsrunc ? test : test.skip;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// verb: the one that fails (create, or start for what runs at start); error: what it must say.
const CASES = {
  'prestart hook fails': { patch: (c) => { c.hooks = { prestart: [{ path: '/bin/false' }] }; }, error: /prestart hook \/bin\/false exited with status 1 \(config.json \/hooks\/prestart\/0\)/ },
  'createRuntime hook fails': { patch: (c) => { c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }; }, error: /createRuntime hook \/bin\/sh exited with status 3 \(config.json \/hooks\/createRuntime\/0\)/ },
  'createContainer hook fails (in the init)': { patch: (c) => { c.hooks = { createContainer: [{ path: '/bin/false' }] }; }, error: /container init failed: createContainer hook \/bin\/false exited with status 1 \(config.json \/hooks\/createContainer\/0\)/ },
  'startContainer hook fails (at start)': { verb: 'start', patch: (c) => { c.hooks = { startContainer: [{ path: '/bin/false' }] }; }, error: /hook \/bin\/false exited with status 1 \(config.json \/hooks\/startContainer\/0\)/ },
  // Onto a directory the image has: a missing destination would be made first (as runc makes it),
  // and the rootfs check below would rightly see that directory added.
  'a mount fails': { patch: (c) => { c.mounts.push({ destination: '/mnt', type: 'nosuchfs', source: 'none' }); }, error: /container init failed: mount none on \/mnt: No such device \(config.json \/mounts\/\d+\)/ },
  'missing binary (absolute)': { patch: (c) => { c.process.args = ['/no/such/binary']; }, error: /container init failed: exec: \\?"\/no\/such\/binary\\?": stat \/no\/such\/binary: no such file or directory \(config.json \/process\/args\/0\)/ },
  'missing binary (PATH)': { patch: (c) => { c.process.args = ['nosuchcmd']; }, error: /executable file not found in \$PATH \(config.json \/process\/args\/0\)/ },
  'binary not executable': { patch: (c) => { c.process.args = ['/etc/passwd']; }, error: /exec: \\?"\/etc\/passwd\\?": permission denied/ },
  'OOM killer during setup': { patch: (c) => { c.linux.resources = { ...c.linux.resources, memory: { limit: 16384 } }; }, error: /container init was killed by the OOM killer during setup .*the memory limit is too low/ },
};

tsruncOnly('the init dying at each setup step: its own error, nothing left behind', async (t) => {
  const rt = useRuntime(t);
  let n = 0;
  let leaks = 0;
  for (const [name, c] of Object.entries(CASES)) {
    const bundle = rt.makeBundle((cfg) => { cfg.process.args = ['sleep', '1000']; c.patch(cfg); });
    const host = hostSnapshot(bundle);
    for (let i = 0; i < trials(1, 5); i++) {
      const id = rt.id('init');
      const create = await rt.runtime(['create', '--bundle', bundle.dir, id]);
      let failed = create;
      if (c.verb === 'start') {
        t.is(create.code, 0, `${name}: ${create.stderr}`);
        failed = await rt.runtime(['start', id]);
      }
      t.is(failed.code, 1, name);
      t.regex(failed.stderr, c.error, name);
      if (c.verb !== 'start') {
        // A failed create leaves nothing, before anyone deletes anything.
        const left = await findLeaks(rt, [id]);
        leaks += countLeaks(left);
        t.is(countLeaks(left), 0, `${name}: ${JSON.stringify(left)}`);
        t.deepEqual(hostChanges(host), [], name);
      }
      const after = await afterCrash(rt, id, host);
      leaks += after.leaks;
      t.deepEqual(after.problems, [], name);
      n++;
    }
  }
  figure('crash: init deaths in setup', n);
  figure('crash: leaks found', leaks);
});

/** The container's cgroup2 directory (the init is cloned straight into it): default cgroupsPath = the id, next to ours. */
function unifiedDir(id) {
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return own && path.join('/sys/fs/cgroup/unified', path.dirname(own.slice(3)), id);
}

tsruncOnly('the init SIGKILLed at a random instant of create: create fails or the container is stopped; delete --force leaves nothing', async (t) => {
  const rt = useRuntime(t);
  // A createRuntime hook: the init also waits at sync step 4 for a while.
  const bundle = rt.makeBundle((c) => {
    c.process.args = ['sleep', '1000'];
    c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'sleep 0.05'] }] };
  });
  const host = hostSnapshot(bundle);
  const warm = rt.id('warm');
  let started = Date.now();
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, warm])).code, 0);
  const duration = Date.now() - started;
  t.deepEqual((await afterCrash(rt, warm, host)).problems, []);

  const failures = [];
  const outcome = { failed: 0, created: 0, leaks: 0 };
  const TRIALS = trials(12, 100);
  for (let i = 0; i < TRIALS; i++) {
    const id = rt.id('ikill');
    const procs = path.join(unifiedDir(id), 'cgroup.procs');
    const { done } = rt.spawnRuntime(['create', '--bundle', bundle.dir, id]);
    started = Date.now();
    const delay = Math.random() * duration * 0.6;
    let killed = 0;
    // Once the init exists (its cgroup has a member), wait a random part of the rest of create,
    // then kill whatever is in the container's cgroup at that instant.
    const readPids = () => { try { return fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; } };
    let exited = false;
    const killer = (async () => {
      while (!exited && readPids().length === 0) await sleep(1);
      await sleep(delay);
      for (const pid of readPids()) { try { process.kill(pid, 'SIGKILL'); killed++; } catch { /* gone */ } }
    })();
    done.then(() => { exited = true; });
    const r = await done;
    await killer;
    if (r.code === 0) outcome.created++;
    else if (/container init|exited before|sync protocol/.test(r.stderr)) outcome.failed++;
    else failures.push(`trial ${i}: unexpected error (${r.code}): ${r.stderr.trim()}`);
    if (r.code !== 0) {
      // Nothing left before delete --force.
      const left = await findLeaks(rt, [id]);
      outcome.leaks += countLeaks(left);
      if (countLeaks(left)) failures.push(`trial ${i} (kill at ${delay.toFixed(0)} ms, ${killed} killed): failed create left ${JSON.stringify(left)}`);
    }
    const after = await afterCrash(rt, id, host);
    outcome.leaks += after.leaks;
    if (after.problems.length) failures.push(`trial ${i} (kill at ${delay.toFixed(0)} ms, ${killed} killed): ${after.problems.join('; ')}`);
    if (killed) outcome.initsKilled = (outcome.initsKilled ?? 0) + 1;
  }
  t.log(JSON.stringify(outcome));
  figure('crash: init deaths in setup', TRIALS);
  figure('crash: leaks found', outcome.leaks);
  t.deepEqual(failures, []);
});
