'use strict';
// The systemd cgroup driver on a hybrid host (issue 21): systemd as PID 1 with the cgroup v1
// controllers and the cgroup2 tree at /sys/fs/cgroup/unified, what Ubuntu 20.04 and RHEL 8 hosts
// run. `SYSTEMD_CGROUPS=hybrid npm run test:systemd` boots such a VM (vm-run --systemd with
// systemd.unified_cgroup_hierarchy=0) and runs this directory there; RUNTIME=runc runs the same
// checks against runc's v1 driver (libcontainer/cgroups/systemd/v1.go). Each test reads back what
// systemd holds (`systemctl show`, systemd's v1 property names) and what every hierarchy holds.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('../helpers/runtime');
const { crashTrials } = require('../helpers/systemd-crash');
const { shell } = require('../helpers/config');
const { SLOW, sd, show, unitsNamed, gone } = require('../helpers/systemd');

const hybrid = fs.existsSync('/run/systemd/system') && fs.readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd'
  && fs.existsSync('/sys/fs/cgroup/memory') && fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs');
if (!hybrid) {
  throw new Error('test/systemd-hybrid needs systemd as PID 1 with hybrid cgroups; run `SYSTEMD_CGROUPS=hybrid npm run test:systemd`');
}
const V1 = '/sys/fs/cgroup';
const read = (file) => fs.readFileSync(file, 'utf8').trim();
/** /proc/PID/cgroup as {hierarchy: path} ("" for the cgroup2 tree). */
const cgroupsOf = (pid) => Object.fromEntries(read(`/proc/${pid}/cgroup`).split('\n').map((l) => {
  const [, key, p] = /^\d+:([^:]*):(.*)$/.exec(l);
  return [key, p];
}));
/** Every directory of the unit's cgroup that exists: the v1 hierarchies and the cgroup2 tree. */
const leftovers = (cg) => fs.readdirSync(V1).map((h) => path.join(V1, h) + cg).filter((d) => fs.existsSync(d));

test('a scope unit per container on a hybrid host: v1 properties, every hierarchy joined, update, pause, exec, delete', async (t) => {
  const rt = useRuntime(t);
  const id = rt.id('sdh');
  const unit = `tsrunc-test-${id}.scope`;
  const cg = `/system.slice/${unit}`;
  const bundle = rt.makeBundle(shell('sleep 600', (c) => {
    c.linux.cgroupsPath = `system.slice:tsrunc-test:${id}`;
    c.linux.resources = { ...c.linux.resources, memory: { limit: 67108864 }, pids: { limit: 42 }, cpu: { shares: 2048, quota: 50000, period: 100000 } };
  }));
  t.teardown(() => sd(rt, ['delete', '--force', id]));
  const r = await sd(rt, ['run', '-d', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  const { pid } = (await rt.state(id)).state;

  t.like(show(unit, 'ActiveState', 'Transient', 'Slice', 'ControlGroup', 'Delegate', 'MemoryLimit', 'TasksMax', 'CPUShares', 'CPUQuotaPerSecUSec'), {
    ActiveState: 'active', Transient: 'yes', Slice: 'system.slice', ControlGroup: cg, Delegate: 'yes',
    MemoryLimit: '67108864', TasksMax: '42', CPUShares: '2048', CPUQuotaPerSecUSec: '500ms',
  });
  const own = cgroupsOf(pid);
  for (const key of ['memory', 'pids', 'cpu,cpuacct', 'freezer', 'devices', 'name=systemd', '']) {
    t.is(own[key], cg, `the init is in the unit's cgroup of the ${key || 'cgroup2'} hierarchy`);
  }
  t.is(read(`${V1}/memory${cg}/memory.limit_in_bytes`), '67108864');
  t.is(read(`${V1}/pids${cg}/pids.max`), '42');
  t.is(read(`${V1}/cpu,cpuacct${cg}/cpu.shares`), '2048');
  t.is(read(`${V1}/cpu,cpuacct${cg}/cpu.cfs_quota_us`), '50000');

  const e = await sd(rt, ['exec', id, 'cat', '/proc/self/cgroup']);
  t.is(e.code, 0, e.stderr);
  t.regex(e.stdout, new RegExp(`:memory:${cg}$`, 'm'), 'the exec\'d process joins the unit\'s cgroups');
  t.regex(e.stdout, new RegExp(`:freezer:${cg}$`, 'm'));

  const u = await sd(rt, ['update', '--memory', '134217728', '--pids-limit', '100', '--cpu-share', '512', id]);
  t.is(u.code, 0, u.stderr);
  t.like(show(unit, 'MemoryLimit', 'TasksMax', 'CPUShares'), { MemoryLimit: '134217728', TasksMax: '100', CPUShares: '512' });
  t.is(read(`${V1}/memory${cg}/memory.limit_in_bytes`), '134217728');
  t.is(read(`${V1}/pids${cg}/pids.max`), '100');

  t.is((await sd(rt, ['pause', id])).code, 0);
  t.is(read(`${V1}/freezer${cg}/freezer.state`), 'FROZEN');
  t.is((await sd(rt, ['resume', id])).code, 0);
  t.is(read(`${V1}/freezer${cg}/freezer.state`), 'THAWED');

  t.is((await sd(rt, ['kill', '--all', id, 'KILL'])).code, 0);
  await rt.waitForStatus(id, 'stopped', SLOW);
  const d = await sd(rt, ['delete', id]);
  t.is(d.code, 0, d.stderr);
  await waitFor(() => gone(unit), { timeout: SLOW, what: `${unit} to go` });
  t.deepEqual(unitsNamed(id), [], 'nothing left in systemctl list-units');
  t.deepEqual(leftovers(cg), [], 'no cgroup left in any hierarchy');
});

// The crash trials of test/systemd on this layout: the unit's cgroup is in every hierarchy.
(isTsrunc ? test : test.skip)('a create killed at any step or instant leaves nothing delete --force cannot remove', async (t) => {
  t.timeout(20 * 60000);
  const rt = useRuntime(t);
  const failures = await crashTrials(t, rt, { cgroupDirs: (cg) => fs.readdirSync(V1).map((h) => path.join(V1, h) + cg), randomKills: 1 });
  t.deepEqual(failures, []);
});
