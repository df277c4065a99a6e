// The cgroup layer is pure: hosts are plain objects (or fake files), nothing touches /sys/fs/cgroup.
// These check runc's conversions (fs2 for the v2 driver, fs for the v1 driver) with worked numbers,
// exact 64-bit values, every refusal with its pointer, and the messages for hosts that cannot apply a limit.
const test = require('ava');

const {
  parseConfigJson, parseMountinfo, classifyMounts, detectHost, hugePageSizeName,
  resolveCgroupPath, parseOwnCgroup, parseIdList, formatIdList, compileMemory, swapMaxValue,
  compileCpu, sharesToWeight, compilePids, resourcesOfVersion, zeroPidsIsALimit, memoryLimitBelowUsage, compileIo, blkioWeightToIoWeight, compileHugetlb,
  compileRdma, compileUnified, compileResources, compileDeviceFilter,
  compileResourcesV1, orderMemoryWrites, deviceTransition, filterFromList, listMatches, resolveV1Paths, chooseDriver,
} = require('tsrunc/internal');

const unifiedHost = {
  mode: 'unified',
  unifiedRoot: '/sys/fs/cgroup',
  controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'],
  v1Controllers: [],
  ownCgroup: '/user.slice/user-0.slice/session-1.scope',
  cpus: [0, 1, 2, 3],
  mems: [0],
  hugePageSizes: ['2MB', '1GB'],
};
// This development host: v1 controllers, and a cgroup2 tree holding only hugetlb.
const hybridHost = {
  mode: 'hybrid',
  unifiedRoot: '/sys/fs/cgroup/unified',
  controllers: ['hugetlb'],
  v1Controllers: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids'],
  ownCgroup: '/',
  cpus: [0, 1],
  hugePageSizes: ['2MB', '1GB'],
  v1Hierarchies: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'name=systemd'].map((c) => ({
    controllers: [c], mountPoint: `/sys/fs/cgroup/${c.replace('name=', '')}`, root: '/', own: c === 'memory' ? '/session/abc' : '/',
  })),
};

const R = (p) => `/linux/resources/${p}`;
const files = (result) => result.writes.map((w) => `${w.file}=${w.value}`);
const pointers = (problems) => problems.map((p) => p.pointer);

// --- host detection -------------------------------------------------------------------------

const HYBRID_MOUNTINFO = `
22 1 0:21 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED_MOUNTINFO = `
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const LEGACY_MOUNTINFO = `
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`;

test('host: the mode comes from where cgroup2 is mounted and whether v1 hierarchies exist', (t) => {
  t.deepEqual(classifyMounts(parseMountinfo(HYBRID_MOUNTINFO)), {
    mode: 'hybrid', unifiedRoot: '/sys/fs/cgroup/unified', v1Controllers: ['cpu', 'cpuacct', 'memory'],
    v1Mounts: [
      { controllers: ['cpu'], mountPoint: '/sys/fs/cgroup/cpu', root: '/' },
      { controllers: ['cpuacct'], mountPoint: '/sys/fs/cgroup/cpuacct', root: '/' },
      { controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', root: '/' },
      { controllers: ['name=systemd'], mountPoint: '/sys/fs/cgroup/systemd', root: '/' },
    ],
  });
  t.deepEqual(classifyMounts(parseMountinfo(UNIFIED_MOUNTINFO)), { mode: 'unified', unifiedRoot: '/sys/fs/cgroup', v1Controllers: [], v1Mounts: [] });
  t.deepEqual(classifyMounts(parseMountinfo(LEGACY_MOUNTINFO)), {
    mode: 'legacy', unifiedRoot: null, v1Controllers: ['cpu', 'cpuacct', 'memory'],
    v1Mounts: [{ controllers: ['cpu', 'cpuacct'], mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/' }, { controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', root: '/' }],
  });
  // What a container engine running in a container sees: a private mount namespace of a hybrid
  // host where cgroup2 was mounted over /sys/fs/cgroup. The v1 hierarchies and the cgroup2 tree
  // at /sys/fs/cgroup/unified are still listed but hidden under it: only the visible mount counts.
  const shadowed = `${HYBRID_MOUNTINFO}50 23 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n`;
  t.deepEqual(classifyMounts(parseMountinfo(shadowed)), { mode: 'unified', unifiedRoot: '/sys/fs/cgroup', v1Controllers: [], v1Mounts: [] });
  // A mount below another one (its parent) is not hidden by it; a later bind over the tmpfs is.
  const overTmpfs = `${HYBRID_MOUNTINFO}51 31 0:41 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n`;
  t.true(classifyMounts(parseMountinfo(overTmpfs)).v1Controllers.includes('pids'));
  // The cgroup root is injectable.
  const elsewhere = '1 0 0:1 / /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw\n';
  t.is(parseMountinfo(elsewhere)[0].mountPoint, '/mnt/cg v2', 'mountinfo octal escapes are decoded');
  t.deepEqual(classifyMounts(parseMountinfo(elsewhere), '/mnt/cg v2'), { mode: 'unified', unifiedRoot: '/mnt/cg v2', v1Controllers: [], v1Mounts: [] });
});

test('host: detectHost reads controllers, own cgroup, CPUs, nodes and huge page sizes through the injected fs', (t) => {
  const fakeFiles = {
    '/proc/self/mountinfo': UNIFIED_MOUNTINFO,
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
    '/proc/self/cgroup': '0::/user.slice/user-0.slice/session-2.scope\n',
    '/sys/fs/cgroup/cpuset.cpus.effective': '0-5,8\n',
    '/sys/devices/system/node/online': '0\n',
  };
  const fsImpl = {
    readFile(f) {
      if (!(f in fakeFiles)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return fakeFiles[f];
    },
    readdir(d) {
      if (d === '/sys/kernel/mm/hugepages') return ['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB'];
      throw new Error('ENOENT');
    },
  };
  t.deepEqual(detectHost(fsImpl), {
    mode: 'unified',
    unifiedRoot: '/sys/fs/cgroup',
    unifiedMountRoot: '/',
    controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'],
    v1Controllers: [],
    ownCgroup: '/user.slice/user-0.slice/session-2.scope',
    cpus: [0, 1, 2, 3, 4, 5, 8],
    mems: [0],
    hugePageSizes: ['2MB', '1GB', '64KB'],
    v1Hierarchies: [],
  });
  t.is(hugePageSizeName(2048), '2MB');
  t.is(hugePageSizeName(16 * 1024 * 1024), '16GB');
});

test('host: on a legacy host each v1 hierarchy gets this process\'s cgroup from /proc/self/cgroup; the v1 driver is chosen', (t) => {
  const fakeFiles = {
    '/proc/self/mountinfo': LEGACY_MOUNTINFO,
    '/proc/self/cgroup': '5:memory:/user/a\n3:cpuacct,cpu:/user\n',
  };
  const fsImpl = {
    readFile(f) {
      if (!(f in fakeFiles)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return fakeFiles[f];
    },
    readdir() {
      throw new Error('ENOENT');
    },
  };
  const host = detectHost(fsImpl);
  t.deepEqual(host.v1Hierarchies, [
    { controllers: ['cpu', 'cpuacct'], mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', own: '/user' },
    { controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', root: '/', own: '/user/a' },
  ]);
  t.deepEqual(chooseDriver(host), { driver: 'v1', why: 'legacy host: cgroup v1 only' });
  t.is(chooseDriver(hybridHost).driver, 'v1');
  t.is(chooseDriver(unifiedHost).driver, 'v2');
});

test('host: this machine is detected read-only without throwing', (t) => {
  const host = detectHost();
  t.true(['unified', 'hybrid', 'legacy'].includes(host.mode));
  t.true(Array.isArray(host.controllers));
});

test('cpu lists: ranges, strides, and errors', (t) => {
  t.deepEqual(parseIdList('0-3,8, 10-11'), [0, 1, 2, 3, 8, 10, 11]);
  t.deepEqual(parseIdList('0-7:2/4'), [0, 1, 4, 5]);
  t.deepEqual(parseIdList(''), []);
  t.is(typeof parseIdList('3-1'), 'string');
  t.is(typeof parseIdList('a'), 'string');
  t.is(formatIdList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
});

// --- cgroupsPath ------------------------------------------------------------------------------

test('path: absolute under the cgroup2 root; relative and default under the parent of our own cgroup (runc)', (t) => {
  t.deepEqual(resolveCgroupPath('/machine/web', 'c1', unifiedHost).placement, {
    path: '/machine/web', dir: '/sys/fs/cgroup/machine/web', parents: ['/', '/machine'],
  });
  t.deepEqual(resolveCgroupPath('pods/c1', 'c1', unifiedHost).placement, {
    path: '/user.slice/user-0.slice/pods/c1',
    dir: '/sys/fs/cgroup/user.slice/user-0.slice/pods/c1',
    parents: ['/', '/user.slice', '/user.slice/user-0.slice', '/user.slice/user-0.slice/pods'],
  });
  t.is(resolveCgroupPath(undefined, 'c1', unifiedHost).placement.path, '/user.slice/user-0.slice/c1');
  t.is(resolveCgroupPath('', 'c1', unifiedHost).placement.path, '/user.slice/user-0.slice/c1');
  // Run from the root cgroup (as on this host), the default is /<id> in the hybrid tree.
  t.deepEqual(resolveCgroupPath(undefined, 'c1', hybridHost).placement, { path: '/c1', dir: '/sys/fs/cgroup/unified/c1', parents: ['/'] });
  t.is(resolveCgroupPath('//a/./b/', 'c1', unifiedHost).placement.path, '/a/b');
  t.is(parseOwnCgroup('2:cpuset:/x\n0::/a/b\n'), '/a/b');
  t.is(parseOwnCgroup('2:cpuset:/x\n'), null);
});

test('path: refusals, each at /linux/cgroupsPath', (t) => {
  const refused = (p, host = unifiedHost) => {
    const r = resolveCgroupPath(p, 'c1', host);
    t.is(r.placement, undefined, String(p));
    t.deepEqual(pointers(r.problems), ['/linux/cgroupsPath']);
    return r.problems[0].message;
  };
  t.regex(refused('system.slice:docker:abc'), /systemd cgroup .*slice:prefix:name.*--systemd-cgroup/);
  t.regex(refused('/a/../../etc'), /must not contain "\.\."/);
  t.regex(refused('../x'), /must not contain "\.\."/);
  t.regex(refused('/'), /root cgroup/);
  t.regex(refused('.'), /parent of tsrunc's own cgroup/);
  t.regex(refused('/user.slice'), /holds tsrunc itself/);
  t.regex(refused('rel', { ...unifiedHost, ownCgroup: null }), /no cgroup v2 \("0::"\) entry/);
  t.regex(refused('/a', { ...unifiedHost, unifiedRoot: null }), /no cgroup v2 hierarchy/);
});

// --- memory ---------------------------------------------------------------------------------

test('memory: 2^63-1 is written exactly, from a bigint and from config.json text', (t) => {
  const max = 2n ** 63n - 1n;
  t.deepEqual(files(compileMemory({ memory: { limit: max } }, unifiedHost)), ['memory.max=9223372036854775807']);
  const doc = parseConfigJson('{"memory": {"limit": 9223372036854775807, "reservation": 9007199254740993}}');
  t.deepEqual(files(compileMemory(doc, unifiedHost)), ['memory.max=9223372036854775807', 'memory.low=9007199254740993']);
  // One past int64 does not fit; the schema's double bounds cannot tell, this check can.
  const over = compileMemory({ memory: { limit: 2n ** 63n } }, unifiedHost);
  t.deepEqual(pointers(over.problems), [R('memory/limit')]);
  t.deepEqual(over.writes, []);
});

test('memory: -1 is "max", 0 is unset, below -1 is refused', (t) => {
  t.deepEqual(files(compileMemory({ memory: { limit: -1, reservation: -1 } }, unifiedHost)),
    ['memory.swap.max=max', 'memory.max=max', 'memory.low=max']);
  t.deepEqual(compileMemory({ memory: { limit: 0, reservation: 0, swap: 0, kernel: 0, swappiness: 0 } }, unifiedHost),
    { writes: [], problems: [], warnings: [] });
  const bad = compileMemory({ memory: { limit: -2, reservation: -5, swap: -3 } }, unifiedHost);
  t.deepEqual(pointers(bad.problems), [R('memory/limit'), R('memory/reservation'), R('memory/swap')]);
  t.deepEqual(bad.writes, []);
});

test('memory: swap converts to cgroup v2 as runc does (swap.max = swap - limit)', (t) => {
  const cases = [
    // [limit, swap, memory.swap.max or undefined (not written)]
    [1000, 3000, '2000'],
    [1000, 1000, '0'], // swap == limit: no swap at all
    [1000, -1, 'max'],
    [1000, 0, undefined],
    [-1, 0, 'max'], // unlimited memory, swap not set: unlimited swap too
    [-1, 5000, '5000'], // unlimited memory: swap as is
    [2n ** 62n, 2n ** 63n - 1n, '4611686018427387903'],
  ];
  for (const [limit, swap, expected] of cases) {
    const r = compileMemory({ memory: { limit, swap } }, unifiedHost);
    t.deepEqual(r.problems, [], `${limit}/${swap}`);
    const w = r.writes.find((x) => x.file === 'memory.swap.max');
    t.is(w && w.value, expected, `${limit}/${swap}`);
  }
  // runc lets a missing memory.swap.max (no swap accounting) pass for "max" and "0" only.
  t.is(compileMemory({ memory: { limit: 1000, swap: 1000 } }, unifiedHost).writes[0].ifMissing, 'skip');
  t.is(compileMemory({ memory: { limit: 1000, swap: 3000 } }, unifiedHost).writes[0].ifMissing, undefined);
  t.is(swapMaxValue(undefined, undefined), undefined);
});

test('memory: swap without a limit, or below it, is refused at /memory/swap', (t) => {
  const noLimit = compileMemory({ memory: { swap: 5000 } }, unifiedHost);
  t.deepEqual(pointers(noLimit.problems), [R('memory/swap')]);
  t.regex(noLimit.problems[0].message, /needs a memory limit/);
  const below = compileMemory({ memory: { limit: 2000, swap: 1000 } }, unifiedHost);
  t.deepEqual(pointers(below.problems), [R('memory/swap')]);
  t.regex(below.problems[0].message, /must not be below the memory limit/);
  t.deepEqual(files(below), ['memory.max=2000']);
});

test('memory: v1-only knobs are accepted with a warning, as runc ignores them on v2', (t) => {
  const r = compileMemory({ memory: { limit: 1 << 20, kernel: 1 << 20, kernelTCP: 1 << 20, swappiness: 60, disableOOMKiller: true, useHierarchy: false, checkBeforeUpdate: true } }, unifiedHost);
  t.deepEqual(r.problems, []);
  t.deepEqual(pointers(r.warnings), [R('memory/kernel'), R('memory/kernelTCP'), R('memory/swappiness'), R('memory/disableOOMKiller'), R('memory/useHierarchy')]);
  t.deepEqual(files(r), ['memory.max=1048576']);
});

// --- cpu ------------------------------------------------------------------------------------

test('cpu: shares -> cpu.weight with runc\'s integer formula 1 + ((shares - 2) * 9999) / 262142', (t) => {
  for (const [shares, weight] of [[2, 1], [512, 20], [1024, 39], [4096, 157], [262144, 10000]]) {
    t.is(sharesToWeight(BigInt(shares)), BigInt(weight), `shares ${shares}`);
    t.deepEqual(files(compileCpu({ cpu: { shares } }, unifiedHost)), [`cpu.weight=${weight}`]);
  }
  for (const shares of [1, 262145]) t.deepEqual(pointers(compileCpu({ cpu: { shares } }, unifiedHost).problems), [R('cpu/shares')]);
});

test('cpu: quota and period -> cpu.max, "max" when unlimited, default period 100000', (t) => {
  t.deepEqual(files(compileCpu({ cpu: { quota: 50000 } }, unifiedHost)), ['cpu.max=50000 100000']);
  t.deepEqual(files(compileCpu({ cpu: { quota: 50000, period: 200000 } }, unifiedHost)), ['cpu.max=50000 200000']);
  t.deepEqual(files(compileCpu({ cpu: { quota: -1, period: 20000 } }, unifiedHost)), ['cpu.max=max 20000']);
  t.deepEqual(files(compileCpu({ cpu: { period: 50000 } }, unifiedHost)), ['cpu.max=max 50000']);
  t.deepEqual(files(compileCpu({ cpu: { quota: 0, period: 0, shares: 0, burst: 0, idle: 0, cpus: '', mems: '' } }, unifiedHost)), []);
  const refused = (cpu) => pointers(compileCpu({ cpu }, unifiedHost).problems);
  t.deepEqual(refused({ quota: 500 }), [R('cpu/quota')]);
  t.deepEqual(refused({ quota: -2 }), [R('cpu/quota')]);
  t.deepEqual(refused({ quota: 50000, period: 999 }), [R('cpu/period')]);
  t.deepEqual(refused({ period: 1000001 }), [R('cpu/period')]);
});

test('cpu: idle, weight, max, then burst; burst above the quota and bad idle values are refused', (t) => {
  t.deepEqual(files(compileCpu({ cpu: { burst: 10000, quota: 50000, shares: 1024, idle: 1 } }, unifiedHost)),
    ['cpu.idle=1', 'cpu.weight=39', 'cpu.max=50000 100000', 'cpu.max.burst=10000']);
  t.deepEqual(pointers(compileCpu({ cpu: { burst: 60000, quota: 50000 } }, unifiedHost).problems), [R('cpu/burst')]);
  t.deepEqual(pointers(compileCpu({ cpu: { idle: 2 } }, unifiedHost).problems), [R('cpu/idle')]);
});

test('cpu: real-time bandwidth does not exist in cgroup v2 and is refused', (t) => {
  const r = compileCpu({ cpu: { realtimeRuntime: 950000, realtimePeriod: 1000000 } }, unifiedHost);
  t.deepEqual(pointers(r.problems), [R('cpu/realtimeRuntime'), R('cpu/realtimePeriod')]);
  t.regex(r.problems[0].message, /only in cgroup v1/);
});

test('cpu: cpus and mems -> cpuset files, checked against the host\'s CPUs and nodes', (t) => {
  t.deepEqual(files(compileCpu({ cpu: { cpus: '0-1,3', mems: '0' } }, unifiedHost)), ['cpuset.cpus=0-1,3', 'cpuset.mems=0']);
  const outside = compileCpu({ cpu: { cpus: '2-7' } }, unifiedHost);
  t.deepEqual(pointers(outside.problems), [R('cpu/cpus')]);
  t.is(outside.problems[0].message, 'CPU 4-7 do not exist on this host (it has 0-3)');
  t.deepEqual(pointers(compileCpu({ cpu: { cpus: 'all' } }, unifiedHost).problems), [R('cpu/cpus')]);
  t.deepEqual(pointers(compileCpu({ cpu: { mems: '1' } }, unifiedHost).problems), [R('cpu/mems')]);
  // When the host's list is unknown, only the syntax is checked.
  t.deepEqual(files(compileCpu({ cpu: { mems: '1' } }, { ...unifiedHost, mems: undefined })), ['cpuset.mems=1']);
});

// --- pids, io, hugetlb, rdma ------------------------------------------------------------------

test('pids: limit -> pids.max; -1 is "max", 0 is a limit of 0 (runtime-spec 1.3), below -1 is refused', (t) => {
  t.deepEqual(files(compilePids({ pids: { limit: 100 } }, unifiedHost)), ['pids.max=100']);
  t.deepEqual(files(compilePids({ pids: { limit: -1 } }, unifiedHost)), ['pids.max=max']);
  t.deepEqual(files(compilePids({ pids: { limit: 0 } }, unifiedHost)), ['pids.max=0']);
  t.deepEqual(pointers(compilePids({ pids: { limit: -5 } }, unifiedHost).problems), [R('pids/limit')]);
});

test('io: weight -> io.bfq.weight, falling back to io.weight on runc\'s 1..10000 scale', (t) => {
  for (const [w, ioWeight] of [[10, 1], [100, 910], [500, 4950], [1000, 10000]]) t.is(blkioWeightToIoWeight(BigInt(w)), BigInt(ioWeight));
  t.deepEqual(compileIo({ blockIO: { weight: 500 } }, unifiedHost).writes, [
    { file: 'io.bfq.weight', value: '500', pointer: R('blockIO/weight'), ifMissing: { file: 'io.weight', value: '4950' } },
  ]);
  for (const weight of [5, 1001, -1]) t.deepEqual(pointers(compileIo({ blockIO: { weight } }, unifiedHost).problems), [R('blockIO/weight')]);
  t.deepEqual(compileIo({ blockIO: { weight: 0 } }, unifiedHost).writes, []);
});

test('io: device weights and throttles -> io.bfq.weight and io.max lines', (t) => {
  const r = compileIo({
    blockIO: {
      leafWeight: 300,
      weightDevice: [{ major: 8, minor: 0, weight: 200 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2n ** 64n - 1n }],
      throttleReadIOPSDevice: [{ major: 253, minor: 1, rate: 100 }, { major: 253, minor: 2, rate: 0 }],
      throttleWriteIOPSDevice: [{ major: 253, minor: 1, rate: 50 }],
    },
  }, unifiedHost);
  t.deepEqual(r.problems, []);
  t.deepEqual(files(r), ['io.bfq.weight=8:0 200', 'io.max=8:0 rbps=1048576', 'io.max=8:0 wbps=18446744073709551615', 'io.max=253:1 riops=100', 'io.max=253:1 wiops=50']);
  t.is(r.writes[0].ifMissing, 'skip', 'per-device BFQ weights are skipped without BFQ, as in runc');
  t.deepEqual(pointers(r.warnings), [R('blockIO/leafWeight')]);
  const bad = compileIo({ blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }], weightDevice: [{ major: 8, minor: 0, weight: 2000 }] } }, unifiedHost);
  t.deepEqual(pointers(bad.problems), [R('blockIO/weightDevice/0/weight'), R('blockIO/throttleReadBpsDevice/0/major')]);
  t.deepEqual(bad.writes, []);
});

test('hugetlb: page sizes -> hugetlb.<size>.max and .rsvd.max; limit 0 is written', (t) => {
  const r = compileHugetlb({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }, { pageSize: '1GB', limit: 2n ** 63n }] }, unifiedHost);
  t.deepEqual(files(r), ['hugetlb.2MB.max=0', 'hugetlb.2MB.rsvd.max=0', 'hugetlb.1GB.max=9223372036854775808', 'hugetlb.1GB.rsvd.max=9223372036854775808']);
  t.deepEqual(r.writes.map((w) => w.ifMissing), [undefined, 'skip', undefined, 'skip']);
  const bad = compileHugetlb({ hugepageLimits: [{ pageSize: '2mb', limit: 1 }, { pageSize: '16GB', limit: 1 }, { pageSize: '2048KB', limit: 1 }] }, unifiedHost);
  t.deepEqual(pointers(bad.problems), [0, 1, 2].map((i) => R(`hugepageLimits/${i}/pageSize`)));
  t.is(bad.problems[1].message, 'this host has no 16GB huge pages (it supports 2MB, 1GB)');
});

test('rdma: one rdma.max line per device', (t) => {
  t.deepEqual(files(compileRdma({ rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 0 } } }, unifiedHost)),
    ['rdma.max=mlx5_1 hca_handle=3 hca_object=10000', 'rdma.max=mlx4_0 hca_object=0']);
  const bad = compileRdma({ rdma: { 'mlx5_1 hca_handle=9': { hcaHandles: 1 }, mlx4_0: {} } }, unifiedHost);
  t.deepEqual(pointers(bad.problems), ['/linux/resources/rdma/mlx5_1 hca_handle=9', '/linux/resources/rdma/mlx4_0']);
});

// --- unified --------------------------------------------------------------------------------

test('unified: written as given, multi-line values line by line (runc\'s WriteFileByLine)', (t) => {
  const r = compileUnified({ unified: { 'memory.high': '1073741824', 'io.max': '8:0 rbps=1\n8:16 wbps=2\n', 'cgroup.max.depth': '3' } }, unifiedHost);
  t.deepEqual(r.problems, []);
  t.deepEqual(files(r), ['memory.high=1073741824', 'io.max=8:0 rbps=1\n', 'io.max=8:16 wbps=2\n', 'cgroup.max.depth=3']);
});

test('unified: keys must be plain files of the container\'s cgroup, and not the runtime\'s own', (t) => {
  const keys = ['', 'a/b', '../memory.max', '.', '..', 'nodot', 'memory.', 'cgroup.procs', 'cgroup.threads',
    'cgroup.subtree_control', 'cgroup.type', 'cgroup.kill', 'cgroup.freeze'];
  const r = compileUnified({ unified: Object.fromEntries(keys.map((k) => [k, '1'])) }, unifiedHost);
  t.deepEqual(r.writes, []);
  t.deepEqual(pointers(r.problems).sort(), keys.map((k) => `/linux/resources/unified/${k.replace(/\//g, '~1')}`).sort());
  t.regex(r.problems.find((p) => p.pointer.endsWith('cgroup.procs')).message, /cannot be set from config\.json: writing it moves processes/);
});

test('unified: a controller the host does not offer is refused (compileResources checks every write alike)', (t) => {
  const u = compileResources({ unified: { 'misc.max': 'res_a 1', 'memory.high': 'max' } }, unifiedHost);
  t.deepEqual(pointers(u.problems), ['/linux/resources/unified/misc.max']);
  t.is(u.problems[0].message, 'the host\'s cgroup v2 hierarchy does not offer the misc controller (it has: cpuset cpu io memory hugetlb pids rdma)');
});

// --- all together ---------------------------------------------------------------------------

test('resources: writes in runc\'s order, the controllers to enable, and the device filter', (t) => {
  const r = compileResources({
    unified: { 'memory.max': '1G' },
    cpu: { shares: 1024, cpus: '0' },
    memory: { limit: 1 << 30 },
    pids: { limit: 64 },
    blockIO: { weight: 100 },
    network: { classID: 7, priorities: [{ name: 'eth0', priority: 1 }] },
  }, unifiedHost);
  t.deepEqual(r.problems, []);
  t.deepEqual(files(r), ['pids.max=64', 'memory.max=1073741824', 'io.bfq.weight=100', 'cpu.weight=39', 'cpuset.cpus=0', 'memory.max=1G']);
  t.deepEqual(r.controllers, ['pids', 'memory', 'io', 'cpu', 'cpuset']);
  t.deepEqual(pointers(r.warnings), ['/linux/resources/unified/memory.max', R('network/classID'), R('network/priorities')]);
  t.is(r.warnings[0].message, 'overrides /linux/resources/memory/limit, which also writes memory.max (unified is written last)');
  t.false(r.devices.defaultAllow);
  t.is(r.devices.rules.length, 11);
});

// --- the cgroup v1 driver's compilers ---------------------------------------------------------

test('v1: every field -> its v1 file, in runc\'s fs driver order; hugetlb in the cgroup2 tree where v1 lacks it', (t) => {
  const r = compileResourcesV1({
    cpu: { shares: 512, quota: 20000, period: 50000, burst: 1000, cpus: '0', realtimePeriod: 1000000, realtimeRuntime: 5000, idle: 1 },
    memory: { limit: 1 << 30, swap: 2 ** 31, reservation: 1 << 20, swappiness: 0, disableOOMKiller: true, kernel: 1 << 20 },
    pids: { limit: -1 },
    blockIO: { weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
  }, hybridHost);
  t.deepEqual(r.problems, []);
  t.deepEqual(files(r), [
    'cpuset.cpus=0', 'cpu.shares=512', 'cpu.cfs_period_us=50000', 'cpu.cfs_quota_us=20000', 'cpu.cfs_burst_us=1000',
    'cpu.rt_period_us=1000000', 'cpu.rt_runtime_us=5000', 'cpu.idle=1',
    'memory.limit_in_bytes=1073741824', 'memory.memsw.limit_in_bytes=2147483648', 'memory.soft_limit_in_bytes=1048576',
    'memory.swappiness=0', 'memory.oom_control=1',
    'pids.max=max',
    'blkio.bfq.weight=300', 'blkio.leaf_weight=200', 'blkio.bfq.weight_device=8:0 100', 'blkio.throttle.read_bps_device=8:0 1000',
    'hugetlb.2MB.max=0', 'hugetlb.2MB.rsvd.max=0',
  ]);
  t.deepEqual(r.writes.find((w) => w.file === 'blkio.bfq.weight').ifMissing, { file: 'blkio.weight', value: '300' }, 'CFQ\'s file where BFQ has none');
  t.deepEqual(r.controllers, ['hugetlb'], 'enabled in the cgroup2 ancestors');
  t.deepEqual(pointers(r.warnings), [R('memory/kernel')]);
  // Unlimited memory means unlimited memory+swap too, where the kernel accounts swap.
  t.deepEqual(compileResourcesV1({ memory: { limit: -1 } }, hybridHost).writes.map((w) => [w.file, w.value, w.ifMissing]), [
    ['memory.limit_in_bytes', '-1', undefined], ['memory.memsw.limit_in_bytes', '-1', 'skip'],
  ]);
  // Zero values are unset.
  t.deepEqual(files(compileResourcesV1({ cpu: { shares: 0, quota: 0 }, blockIO: { weight: 0 }, memory: { limit: 0, swap: 0 } }, hybridHost)), []);
});

test('pids.limit 0 is "not set" in a config older than runtime-spec 1.3 (podman 4 writes -1 so), a limit from 1.3 on', (t) => {
  const zero = { pids: { limit: 0 }, memory: { limit: 5 } };
  for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.1']) t.deepEqual(resourcesOfVersion(zero, v), { memory: { limit: 5 } }, v);
  for (const v of ['1.3.0', '1.3.0-rc.1', '1.4.0']) t.is(resourcesOfVersion(zero, v), zero, v);
  const hundred = { pids: { limit: 100 } };
  t.is(resourcesOfVersion(hundred, '1.0.2'), hundred);
  t.true(zeroPidsIsALimit('1.3.0'));
  t.false(zeroPidsIsALimit('1.2.0'));
});

test('v1: unified, a controller no hierarchy has, and bad values are refused with their pointers', (t) => {
  const r = compileResourcesV1({
    unified: { 'memory.high': '1G' },
    network: { classID: 7, priorities: [{ name: 'eth0', priority: 1 }, { name: 'a b', priority: 2 }] },
    memory: { swappiness: 101, limit: 1 << 20, swap: 1 << 19 },
    rdma: { mlx4_0: { hcaHandles: 1 } },
  }, hybridHost);
  t.deepEqual(pointers(r.problems), [
    R('memory/swap'), R('memory/swappiness'), R('network/priorities/1/name'), R('unified/memory.high'),
    R('network/classID'), R('network/priorities/0'), R('rdma/mlx4_0'),
  ]);
  t.regex(r.problems[3].message, /"memory.high" is a cgroup v2 file, but this hybrid host's controllers are in cgroup v1/);
  t.is(r.problems[4].message, 'this host has no net_cls controller: no cgroup v1 hierarchy has it and the cgroup2 tree offers hugetlb');
  t.is(r.devices, undefined, 'no filter when the config is refused');
});

test('v1: a device hole is refused on a legacy host (nothing could enforce it), enforced by eBPF on a hybrid one', (t) => {
  const devices = [{ allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }];
  const legacy = { ...hybridHost, mode: 'legacy', unifiedRoot: null, controllers: [] };
  const refused = compileResourcesV1({ devices }, legacy);
  t.deepEqual(pointers(refused.problems), [R('devices/1')]);
  t.regex(refused.problems[0].message, /legacy host has no cgroup2 tree for the eBPF filter/);
  const hybrid = compileResourcesV1({ devices }, hybridHost);
  t.deepEqual(hybrid.problems, []);
  t.truthy(hybrid.devices.ordered);
});

test('v1: memory and memsw in runc\'s order: memsw first when raising past the current limit', (t) => {
  const writes = compileResourcesV1({ memory: { limit: 200, swap: 300 }, pids: { limit: 5 } }, hybridHost).writes;
  const order = (current) => orderMemoryWrites(writes, current).map((w) => w.file);
  t.deepEqual(order(100n), ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes', 'pids.max'], 'raising: memsw first');
  t.deepEqual(order(500n), ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'pids.max'], 'lowering: memory first');
});

test('v1: devices.allow/deny are the difference from the current list (runc\'s transition), checked back', (t) => {
  const { filter } = compileDeviceFilter([{ allow: true, type: 'b', major: 7, minor: 0, access: 'r' }]);
  // A new cgroup under the root starts with the root's allow-all: deny all first, then allow each.
  const fromRoot = deviceTransition(filterFromList('a *:* rwm\n'), filter);
  t.deepEqual(fromRoot[0], { file: 'devices.deny', value: 'a *:* rwm', pointer: '/linux/resources/devices' });
  t.is(fromRoot.length, 1 + filter.rules.length);
  t.true(fromRoot.slice(1).every((w) => w.file === 'devices.allow'));
  t.true(fromRoot.some((w) => w.value === 'b 7:0 r'));
  // An update from a whitelist writes only what changes: no deny-all window.
  const current = filter.rules.map((r) => `${r.type} ${r.major === -1 ? '*' : r.major}:${r.minor === -1 ? '*' : r.minor} ${r.access}`).join('\n');
  t.true(listMatches(current, filter));
  const next = compileDeviceFilter([{ allow: true, type: 'b', major: 7, minor: 0, access: 'rw' }]).filter;
  t.deepEqual(deviceTransition(filterFromList(current), next), [{ file: 'devices.allow', value: 'b 7:0 w', pointer: '/linux/resources/devices/0' }]);
  t.false(listMatches(current, next));
});

test('v1: cgroupsPath in every hierarchy: relative under our own cgroup there, absolute from its root', (t) => {
  const rel = resolveV1Paths(undefined, 'abc', hybridHost);
  t.deepEqual(rel.problems, []);
  const dirs = Object.fromEntries(rel.locations.map((l) => [l.key, l.dir]));
  t.is(dirs.memory, '/sys/fs/cgroup/memory/session/abc/abc');
  t.is(dirs.cpu, '/sys/fs/cgroup/cpu/abc');
  t.is(dirs['name=systemd'], '/sys/fs/cgroup/systemd/abc');
  t.is(dirs[''], '/sys/fs/cgroup/unified/abc', 'the cgroup2 tree of a hybrid host too');
  const abs = resolveV1Paths('/pods/x', 'abc', hybridHost);
  t.is(abs.locations.find((l) => l.key === 'memory').dir, '/sys/fs/cgroup/memory/pods/x');
  const bad = resolveV1Paths('/session', 'abc', hybridHost);
  t.deepEqual(pointers(bad.problems), ['/linux/cgroupsPath']);
  t.regex(bad.problems[0].message, /holds tsrunc itself.*memory hierarchy/);
  t.regex(resolveV1Paths('a/../b', 'abc', hybridHost).problems[0].message, /must not contain "\.\."/);
});

test('memory.checkBeforeUpdate: a limit not above the usage is refused, only when asked', (t) => {
  const usage = 1000n;
  t.is(memoryLimitBelowUsage({ memory: { limit: 500 } }, usage), undefined, 'not asked');
  t.is(memoryLimitBelowUsage({ memory: { limit: 2000, checkBeforeUpdate: true } }, usage), undefined, 'above the usage');
  t.is(memoryLimitBelowUsage({ memory: { limit: -1, checkBeforeUpdate: true } }, usage), undefined, 'no limit');
  const p = memoryLimitBelowUsage({ memory: { limit: 500, checkBeforeUpdate: true } }, usage);
  t.is(p.pointer, R('memory/limit'));
  t.regex(p.message, /current memory usage \(1000 bytes/);
});

test('host: an unreadable mountinfo is reported as such, not taken for a host without cgroups (issue 26)', (t) => {
  const denied = Object.assign(new Error("EACCES: permission denied, open '/proc/self/mountinfo'"), { code: 'EACCES', syscall: 'open' });
  const fsImpl = {
    readFile(file) {
      if (file === '/proc/self/mountinfo') throw denied;
      throw new Error('ENOENT');
    },
    readdir() {
      return [];
    },
  };
  const e = t.throws(() => detectHost(fsImpl));
  t.regex(e.message, /cannot read \/proc\/self\/mountinfo .*EACCES: permission denied/);
  t.is(e.cause, denied);
});
