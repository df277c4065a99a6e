'use strict';
// Cgroups on this host, whichever driver it gets: placement (in the cgroup2 tree too on a hybrid
// host), the device filter, freezing, killing and listing every process, update, events, and the
// clear errors for bad values. Enforcement of each limit is tested per driver: test/81-cgroup-v1
// on a hybrid or legacy host (such as this one), test/cgroup-v2 in a pure cgroup v2 VM.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const UNIFIED = fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
const tsruncOnly = isTsrunc ? test : test.skip;
// Mount points of the cgroup v1 hierarchies (none on a unified host).
const V1_ROOTS = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => / (\S+) \S+ - cgroup /.exec(l)?.[1]).filter(Boolean);

tsruncOnly("the init is in the container's own cgroup from the start, and the cgroup goes with delete", async (t) => {
  const rt = useRuntime(t);
  const { id, pid } = await rt.startContainer(shell('sleep 60'));
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  t.is(line, `0::/${id}`);
  t.true(fs.existsSync(path.join(UNIFIED, id)));
  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
  t.false(fs.existsSync(path.join(UNIFIED, id)), 'the cgroup tsrunc made is removed');
});

tsruncOnly('linux.cgroupsPath places the container; a cgroup namespace shows it as /', async (t) => {
  const rt = useRuntime(t);
  const parent = `/tsrunc-test-${path.basename(rt.base)}`;
  t.teardown(() => {
    // The leaf is tsrunc's to remove; the parent it had to create (in every hierarchy) is the test's.
    for (const root of [UNIFIED, ...V1_ROOTS]) if (fs.existsSync(path.join(root, parent))) fs.rmdirSync(path.join(root, parent));
  });
  const r = await rt.run(shell('cat /proc/self/cgroup | grep ^0::', (c) => {
    c.linux.cgroupsPath = `${parent}/box`;
    c.linux.namespaces.push({ type: 'cgroup' });
  }));
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), '0::/');
  t.false(fs.existsSync(path.join(UNIFIED, parent, 'box')), 'removed after the run');
});

test('the device filter denies a device node the container makes itself', async (t) => {
  const rt = useRuntime(t);
  const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE'];
  const r = await rt.run(shell([
    'mknod /dev/disk b 8 0',
    'if head -c1 /dev/disk >/dev/null 2>/tmp/err; then echo "disk: opened"; else echo "disk: denied"; fi',
    'if head -c1 /dev/zero >/dev/null; then echo "zero: opened"; else echo "zero: denied"; fi',
  ].join('; '), (c) => {
    c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
  }));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['disk: denied', 'zero: opened']);
});

// runc appends its built-in allows after the config's rules, so a config cannot deny /dev/null;
// tsrunc places them where runc does (Docker's device list relies on that order).
test('runc\'s built-in devices stay usable whatever the config denies before them', async (t) => {
  const rt = useRuntime(t);
  const r = await rt.run(shell('if echo x > /dev/null; then echo written; else echo denied; fi; cat /dev/null && echo readable', (c) => {
    c.linux.resources = { devices: [{ allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] };
  }));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['written', 'readable']);
});

test('pause freezes every process (state says paused), resume thaws them', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir('counter');
  const counter = path.join(dir, 'n');
  const { id } = await rt.startContainer(shell('i=0; while true; do i=$((i+1)); echo $i > /out/n; sleep 0.02; done', (c) => {
    c.mounts.push({ destination: '/out', type: 'bind', source: dir, options: ['bind'] });
  }));
  const read = () => Number(fs.readFileSync(counter, 'utf8') || 0);
  await waitFor(() => fs.existsSync(counter) && read() > 2, { what: 'the counter to run' });
  t.is((await rt.runtime(['pause', id])).code, 0);
  t.is((await rt.state(id)).state.status, 'paused');
  const frozenAt = read();
  await new Promise((r) => setTimeout(r, 400));
  t.is(read(), frozenAt, 'no progress while paused');
  t.is((await rt.runtime(['resume', id])).code, 0);
  t.is((await rt.state(id)).state.status, 'running');
  await waitFor(() => read() > frozenAt, { what: 'progress after resume' });
});

test('ps --format json lists every process; kill --all kills them all', async (t) => {
  const rt = useRuntime(t);
  // No pid namespace: only the cgroup knows the forked child belongs to the container.
  const { id, pid } = await rt.startContainer(shell('sleep 300 & sleep 301 & trap "" TERM; wait', (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'pid');
  }));
  const pids = await waitFor(async () => {
    const r = await rt.runtime(['ps', '--format', 'json', id]);
    const list = JSON.parse(r.stdout || '[]');
    return list.length >= 3 && list;
  }, { what: 'three processes in ps' });
  t.true(pids.includes(pid));
  t.is((await rt.runtime(['kill', '--all', id, 'KILL'])).code, 0);
  await waitFor(() => pids.every((p) => !fs.existsSync(`/proc/${p}`) || fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z')), { what: 'every process to die' });
  t.pass();
});

for (const { what, resources, message } of [
  { what: 'a unified key that climbs out of the cgroup', resources: { unified: { '../cgroup.procs': '1' } }, message: /\/linux\/resources\/unified/ },
  { what: 'a negative blkio weight', resources: { blockIO: { weight: -5 } }, message: /\/linux\/resources\/blockIO\/weight/ },
  { what: 'a cpuset outside the host\'s CPUs', resources: { cpu: { cpus: '0-4095' } }, message: /\/linux\/resources\/cpu\/cpus/ },
  { what: 'an unknown device type', resources: { devices: [{ allow: true, type: 'x', access: 'r' }] }, message: /\/linux\/resources\/devices\/0/ },
]) {
  tsruncOnly(`create rejects ${what}; no state dir, no cgroup is left`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle((c) => {
      c.linux.resources = resources;
    });
    const id = rt.id('cgbad');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0);
    t.regex(r.stderr, message);
    t.false((await rt.leftovers(id)).stateDir);
    t.false(fs.existsSync(path.join(UNIFIED, id)));
  });
}

/** Runs the runtime with `input` on stdin (what Docker does for `update --resources -`). */
const HUGE = fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB') && fs.readFileSync(path.join(UNIFIED, 'cgroup.controllers'), 'utf8').includes('hugetlb');

(isTsrunc && HUGE ? test : test.skip)('update changes a limit of a running container, from stdin and from a file; state keeps it', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(shell('sleep 60'));
  const max = () => fs.readFileSync(path.join(UNIFIED, id, 'hugetlb.2MB.max'), 'utf8').trim();
  const fromStdin = await rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] }) });
  t.is(fromStdin.code, 0, fromStdin.stderr);
  t.is(max(), '4194304');
  const file = path.join(rt.hostDir('upd'), 'r.json');
  fs.writeFileSync(file, JSON.stringify({ hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] }));
  const fromFile = await rt.runtime(['update', '--resources', file, id]);
  t.is(fromFile.code, 0, fromFile.stderr);
  t.is(max(), '2097152');
});

const NET_CLS = V1_ROOTS.some((p) => /net_cls/.test(p));

(isTsrunc && V1_ROOTS.length > 0 && !NET_CLS ? test : test.skip)('update refuses a limit the host cannot enforce (no net_cls controller), and changes nothing', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(shell('sleep 60'));
  const r = await rt.runtime(['update', '--resources', '-', id], { input: JSON.stringify({ network: { classID: 7 }, pids: { limit: 10 } }) });
  t.not(r.code, 0);
  t.regex(r.stderr, /\/linux\/resources\/network\/classID: this host has no net_cls controller/);
  t.is((await rt.state(id)).state.status, 'running');
  const stored = JSON.parse(fs.readFileSync(path.join(rt.root, id, 'state.json'), 'utf8'));
  t.is(stored.config.linux.resources?.pids, undefined, 'nothing of the refused update is recorded');
});

tsruncOnly('events --stats prints one runc-shaped stats event', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(shell('sleep 60'));
  const r = await rt.runtime(['events', '--stats', id]);
  t.is(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  t.is(e.type, 'stats');
  t.is(e.id, id);
  t.true(e.data.cpu.usage.total >= 0, r.stdout);
});

tsruncOnly('joining an existing cgroup with processes in it works, and delete leaves that cgroup alone', async (t) => {
  const rt = useRuntime(t);
  const { spawn } = require('node:child_process');
  const shared = `/tsrunc-test-pod-${path.basename(rt.base)}`;
  const dir = path.join(UNIFIED, shared);
  fs.mkdirSync(dir);
  // A process already living in the cgroup, as in a Kubernetes pod.
  const resident = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => {
    resident.kill('SIGKILL');
    // Wait for the kernel to take it out of the cgroup before removing the directory.
    for (let i = 0; i < 200 && fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    fs.rmdirSync(dir);
  });
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(resident.pid));
  const { id, pid } = await rt.startContainer(shell('sleep 60', (c) => {
    c.linux.cgroupsPath = shared;
  }));
  t.is(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::')), `0::${shared}`);
  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
  t.true(fs.existsSync(dir), 'a cgroup tsrunc did not create is not removed');
  t.true(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').includes(String(resident.pid)), 'its own process is untouched');
});

test('kill of a paused container with KILL stops it, as runc does', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer(shell('sleep 60'));
  t.is((await rt.runtime(['pause', id])).code, 0);
  t.is((await rt.runtime(['kill', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped');
  t.pass();
});

// What a container engine running inside a container sees (issue 21): a private mount namespace of
// a hybrid host where cgroup2 is mounted over /sys/fs/cgroup, hiding /sys/fs/cgroup/unified and the
// v1 hierarchies beneath it. create places the container in the visible cgroup2 tree; exec must
// join that same cgroup, not the hidden /sys/fs/cgroup/unified/<id> (runc places both alike).
test('exec joins the container cgroup when cgroup2 is mounted over /sys/fs/cgroup (shadowed mounts)', async (t) => {
  const rt = useRuntime(t);
  const { RUNTIME } = require('./helpers/runtime');
  const bundle = rt.makeBundle(shell('sleep 60'));
  const id = rt.id('shadow');
  const cli = `${JSON.stringify(RUNTIME)} --root ${JSON.stringify(path.join(rt.base, 'root'))}`;
  // Everything in one private namespace: the host's mounts never change (private propagation).
  const script = [
    'set -e',
    'mount -t cgroup2 cgroup2 /sys/fs/cgroup',
    `${cli} create --bundle ${JSON.stringify(bundle.dir)} ${id}`,
    `${cli} start ${id}`,
    `${cli} exec ${id} cat /proc/self/cgroup > ${JSON.stringify(path.join(rt.base, 'exec-cgroup'))}`,
    `pid=$(${cli} state ${id} | sed -n 's/.*"pid": *\\([0-9]*\\).*/\\1/p')`,
    `grep '^0::' /proc/$pid/cgroup > ${JSON.stringify(path.join(rt.base, 'init-cgroup'))}`,
    `${cli} delete --force ${id}`,
  ].join('\n');
  const { spawnSync } = require('node:child_process');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60000 });
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const init = fs.readFileSync(path.join(rt.base, 'init-cgroup'), 'utf8').trim();
  const exec = fs.readFileSync(path.join(rt.base, 'exec-cgroup'), 'utf8').split('\n').find((l) => l.startsWith('0::'));
  t.true(init.endsWith(`/${id}`), `init in ${init}`);
  t.is(exec, init, 'the exec\'d process is in the init\'s cgroup2 cgroup');
});

// --systemd-cgroup needs systemd as PID 1 (this host has none): refused before anything exists,
// naming why (test/systemd and test/systemd-hybrid run the driver in systemd VMs).
test('--systemd-cgroup where systemd does not run is refused, leaving nothing', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('true', (c) => { c.linux.cgroupsPath = 'system.slice:tsrunc-test:x'; }));
  const id = rt.id('nosd');
  const r = await rt.runtime(['--systemd-cgroup', 'run', '--bundle', bundle.dir, id]);
  t.not(r.code, 0);
  if (isTsrunc) t.regex(r.stderr, /--systemd-cgroup: systemd is not running/);
  t.false(fs.existsSync(path.join(rt.root, id)), 'no state left');
  t.false(fs.existsSync(path.join(UNIFIED, 'system.slice:tsrunc-test:x')));
});
