'use strict';
// The verbs that work through the container's cgroup: pause/resume (cgroup.freeze), ps and
// kill --all (cgroup.procs, cgroup.kill), update (rewrites limits), events --stats.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isAlive, sleep, waitFor } = require('../helpers/runtime');
const { MiB, SLOW, WAIT_GO, shell, cgroupOf, readCgroup, ioDir, statsOf } = require('./helpers');

async function ok(t, pending) {
  const r = await pending;
  t.is(r.code, 0, r.stderr);
  return r;
}

/** Waits until `ps --format json` lists `n` processes; returns their pids. */
function psPids(rt, id, n, what) {
  return waitFor(async () => {
    const list = JSON.parse((await rt.runtime(['ps', '--format', 'json', id], { timeout: SLOW })).stdout || '[]');
    return list.length === n && list;
  }, { timeout: SLOW, what });
}

/** The pids in the cgroup.procs of `pid`'s cgroup, sorted. */
const procsOf = (pid) => fs.readFileSync(path.join(cgroupOf(pid), 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number).sort();

test('pause freezes the container (state: paused), resume lets it go on', async (t) => {
  const rt = useRuntime(t);
  const io = ioDir(rt);
  const { id } = await rt.startContainer(shell('i=0; while :; do i=$((i+1)); echo $i > /io/n; sleep 0.05; done', io.mount));
  const count = () => Number(io.read('n') || 0);
  await waitFor(() => count() > 2, { timeout: SLOW, what: 'the counter to run' });
  await ok(t, rt.runtime(['pause', id], { timeout: SLOW }));
  t.is((await rt.state(id)).state.status, 'paused');
  const frozenAt = count();
  await sleep(1500);
  t.is(count(), frozenAt, 'no progress while paused');
  await ok(t, rt.runtime(['resume', id], { timeout: SLOW }));
  t.is((await rt.state(id)).state.status, 'running');
  await waitFor(() => count() > frozenAt, { timeout: SLOW, what: 'progress after resume' });
});

test('ps --format json lists the init and its child; kill --all kills both', async (t) => {
  const rt = useRuntime(t);
  // No pid namespace: only the cgroup knows that the forked child belongs to the container.
  const { id, pid } = await rt.startContainer(shell('sleep 600 & trap "" TERM; wait', (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'pid');
  }));
  const pids = await psPids(rt, id, 2, 'two processes in ps');
  t.true(pids.includes(pid));
  t.deepEqual(procsOf(pid), [...pids].sort());
  await ok(t, rt.runtime(['kill', '--all', id, 'KILL'], { timeout: SLOW }));
  await waitFor(() => pids.every((p) => !isAlive(p)), { timeout: SLOW, what: 'both processes to die' });
  await rt.waitForStatus(id, 'stopped', SLOW);
});

test('update changes memory.max of a running container: by flag, from stdin, from a file', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(shell('sleep 600', (c) => {
    c.linux.resources = { memory: { limit: 32 * MiB } };
  }));
  const memoryMax = () => readCgroup(cgroupOf(pid), 'memory.max');
  t.is(memoryMax(), String(32 * MiB));
  const file = path.join(rt.hostDir('update'), 'resources.json');
  fs.writeFileSync(file, JSON.stringify({ memory: { limit: 40 * MiB } }));
  const WAYS = [
    ['--memory 64m', () => rt.runtime(['update', '--memory', '64m', id], { timeout: SLOW }), 64 * MiB],
    ['--resources -', () => rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 48 * MiB } }), timeout: SLOW }), 48 * MiB],
    ['--resources FILE', () => rt.runtime(['update', '--resources', file, id], { timeout: SLOW }), 40 * MiB],
  ];
  for (const [how, update, limit] of WAYS) {
    await ok(t, update());
    t.is(memoryMax(), String(limit), how);
  }
});

test('events --stats: memory usage grows by what the container allocates', async (t) => {
  const rt = useRuntime(t);
  const io = ioDir(rt);
  // tmpfs pages are charged to the cgroup of the process that writes them, and stay.
  const { id } = await rt.startContainer(shell(`${WAIT_GO}; dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 && touch /io/done; sleep 600`, io.mount));
  const usage = async () => (await statsOf(rt, id)).data.memory.usage.usage;
  const before = await usage();
  io.go();
  await waitFor(() => io.read('done') !== undefined, { timeout: SLOW, what: 'dd to fill /dev/shm' });
  const after = await usage();
  t.log(`memory usage ${(before / MiB).toFixed(1)} MiB -> ${(after / MiB).toFixed(1)} MiB`);
  t.true(after - before >= 40 * MiB, `grew by ${after - before} bytes`);
});

test('exec enters the container\'s cgroup: /proc/self/cgroup is the init\'s, and ps lists it', async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(shell('sleep 600'));
  const r = await ok(t, rt.runtime(['exec', id, 'cat', '/proc/self/cgroup'], { timeout: SLOW }));
  t.is(r.stdout, fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  await ok(t, rt.runtime(['exec', '-d', id, 'sleep', '600'], { timeout: SLOW }));
  const pids = await psPids(rt, id, 2, 'the exec\'d process in ps');
  t.true(pids.includes(pid));
  t.deepEqual(procsOf(pid), [...pids].sort());
});
