'use strict';
// What create and delete do themselves, checked against the kernel after the ways they were made
// cheaper: state.json's owner from the addon (not node:os), delete ending a container with a pid
// namespace of its own by killing its init (no freeze of every task), the state directory removed
// by name, and create's no-op write into tsrunc's own cgroup (v1 hosts) that moves nothing.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('ava');
const { Runtime } = require('tsrunc');
const { useRuntime, isTsrunc, isAlive, waitFor } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;

const stateOf = (rt, id) => JSON.parse(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8'));

/** Every pid listed in the container's cgroups (each hierarchy on v1, the one on v2). */
function cgroupPids(record) {
  const dirs = record.v1 ? Object.values(record.v1.dirs) : [record.dir];
  const pids = new Set();
  for (const dir of dirs) {
    for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(p));
  }
  return [...pids];
}

const cgroupDirs = (record) => (record.v1 ? Object.values(record.v1.dirs) : [record.dir]);

tsruncOnly("state.json's owner is the name of the user tsrunc runs as", async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['sleep', '1000'] } });
  const id = rt.id('owner');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.is(stateOf(rt, id).owner, os.userInfo().username);
  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
});

for (const paused of [false, true]) {
  tsruncOnly(`delete --force of a ${paused ? 'paused' : 'running'} container ends every process of it (background ones too) and removes its cgroups`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle({ process: { args: ['sh', '-c', 'sleep 1000 & sleep 1000 & exec sleep 1001'] } });
    const id = rt.id('bg');
    t.is((await rt.runtime(['run', '--detach', '--bundle', bundle.dir, id])).code, 0);
    const { cgroup } = stateOf(rt, id);
    let pids = [];
    await waitFor(() => (pids = cgroupPids(cgroup)).length >= 3, { what: 'three processes in the cgroup' });
    if (paused) t.is((await rt.runtime(['pause', id])).code, 0);
    const d = await rt.runtime(['delete', '--force', id]);
    t.is(d.code, 0, d.stderr);
    t.deepEqual(pids.filter(isAlive), [], 'no process of it is left');
    t.deepEqual(cgroupDirs(cgroup).filter((dir) => fs.existsSync(dir)), [], 'no cgroup of it is left');
    t.false(fs.existsSync(path.join(rt.root, id)), 'no state directory');
  });
}

tsruncOnly('delete removes a state directory that also holds a file tsrunc did not put there', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle({ process: { args: ['true'] } });
  const id = rt.id('extra');
  t.is((await rt.runtime(['create', '--bundle', bundle.dir, id])).code, 0);
  fs.mkdirSync(path.join(rt.root, id, 'stray'));
  fs.writeFileSync(path.join(rt.root, id, 'stray', 'file'), 'x');
  const d = await rt.runtime(['delete', '--force', id]);
  t.is(d.code, 0, d.stderr);
  t.false(fs.existsSync(path.join(rt.root, id)));
});

tsruncOnly("create through the in-process API leaves this process's own cgroups as they were", async (t) => {
  const rt = useRuntime(t);
  const runtime = new Runtime({ root: rt.root });
  const bundle = rt.makeBundle({ process: { args: ['true'] } });
  const id = rt.id('own');
  const before = fs.readFileSync('/proc/self/cgroup', 'utf8');
  await runtime.create(id, { bundle: bundle.dir });
  try {
    t.is(fs.readFileSync('/proc/self/cgroup', 'utf8'), before);
  } finally {
    await runtime.delete(id, { force: true });
  }
});
