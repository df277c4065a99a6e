'use strict';
// The systemd cgroup driver's pure parts (no systemd needed): cgroupsPath -> unit and cgroup,
// the compiled cgroup v2 writes -> unit properties, and the GVariant text of
// org.systemd.property.* annotations. The driver against a real systemd: test/systemd.
const test = require('ava');
const { resolveSystemdPath, expandSlice } = require('../dist/cgroups/systemd/unit-name');
const { resourceProperties, deviceProperties, annotationProperties, cpuListMask } = require('../dist/cgroups/systemd/properties');
const { parseGVariant } = require('../dist/cgroups/systemd/gvariant');
const { compileResources } = require('../dist/cgroups/resources');

const HOST = { mode: 'unified', unifiedRoot: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'], v1Controllers: [], ownCgroup: '/', v1Hierarchies: [], cpus: [0, 1, 2, 3], mems: [0] };

test('unit names and cgroups: runc\'s slice:prefix:name, default and nested slices', (t) => {
  t.deepEqual(resolveSystemdPath('system.slice:docker:abc', 'abc').placement, { slice: 'system.slice', unit: 'docker-abc.scope', path: '/system.slice/docker-abc.scope' });
  t.deepEqual(resolveSystemdPath('', 'c1').placement, { slice: 'system.slice', unit: 'runc-c1.scope', path: '/system.slice/runc-c1.scope' });
  t.deepEqual(resolveSystemdPath(':libpod:x', 'x').placement, { slice: 'system.slice', unit: 'libpod-x.scope', path: '/system.slice/libpod-x.scope' });
  t.is(resolveSystemdPath('kubepods-burstable-pod12.slice:cri-containerd:c', 'c').placement.path,
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/cri-containerd-c.scope');
  t.deepEqual(resolveSystemdPath('machine.slice:x:my.slice', 'id').placement, { slice: 'machine.slice', unit: 'my.slice', path: '/my.slice' });
  t.is(resolveSystemdPath('-.slice:p:n', 'n').placement.path, '/p-n.scope');
  t.is(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  for (const bad of ['/a/b', 'a:b', 'a:b:c:d', 'a--b.slice:p:n', '-a.slice:p:n', 'nots:p:n', 'system.slice:p:', 'system.slice:p:sp ace']) {
    const r = resolveSystemdPath(bad, 'id');
    t.is(r.placement, undefined, bad);
    t.is(r.problems[0].pointer, '/linux/cgroupsPath', bad);
  }
  t.regex(resolveSystemdPath('/a/b', 'id').problems[0].message, /expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "\/a\/b" instead/);
});

test('resources -> unit properties, from the compiled writes: runc\'s conversions, unified overrides', (t) => {
  const compiled = compileResources({
    memory: { limit: 67108864, reservation: 1048576, swap: 134217728 }, pids: { limit: 42 },
    cpu: { shares: 2048, quota: 33333, period: 100000, cpus: '0-1,3', mems: '0' }, blockIO: { weight: 500 },
    unified: { 'memory.high': '50000000' },
  }, HOST);
  t.deepEqual(compiled.problems, []);
  const props = Object.fromEntries(resourceProperties(compiled.writes).map(([n, sig, v]) => [n, [sig, v]]));
  t.deepEqual(props.MemoryMax, ['t', '67108864']);
  t.deepEqual(props.MemoryLow, ['t', '1048576']);
  t.deepEqual(props.MemorySwapMax, ['t', '67108864']);
  t.deepEqual(props.MemoryHigh, ['t', '50000000'], 'a unified key is a property too');
  t.deepEqual(props.TasksMax, ['t', '42']);
  t.deepEqual(props.CPUWeight, ['t', '79'], 'runc: 1 + ((2048 - 2) * 9999) / 262142');
  t.deepEqual(props.CPUQuotaPeriodUSec, ['t', '100000']);
  t.deepEqual(props.CPUQuotaPerSecUSec, ['t', '340000'], '333330 us rounded up to whole 10 ms, as runc');
  t.deepEqual(props.AllowedCPUs, ['ay', [0b1011]]);
  t.deepEqual(props.AllowedMemoryNodes, ['ay', [1]]);
  t.deepEqual(props.IOWeight, ['t', '4950'], 'blkio weight 500 on io.weight\'s scale, as runc converts it');
  // -1 is unlimited: systemd's infinity.
  const unlimited = Object.fromEntries(resourceProperties(compileResources({ memory: { limit: -1 }, pids: { limit: -1 } }, HOST).writes).map(([n, , v]) => [n, v]));
  t.is(unlimited.MemoryMax, '18446744073709551615');
  t.is(unlimited.TasksMax, '18446744073709551615');
  const u2 = Object.fromEntries(resourceProperties([{ file: 'memory.max', value: 'max' }, { file: 'cpu.max', value: 'max 100000' }]).map(([n, , v]) => [n, v]));
  t.is(u2.MemoryMax, '18446744073709551615');
  t.is(u2.CPUQuotaPerSecUSec, '18446744073709551615');
  t.deepEqual(cpuListMask('0,9-10'), [1, 0b110]);
});

test('device rules -> DevicePolicy/DeviceAllow', (t) => {
  t.deepEqual(deviceProperties({ defaultAllow: true, rules: [] }), [['DevicePolicy', 's', 'auto']]);
  const [[, , policy], [name, sig, allow]] = deviceProperties({ defaultAllow: false, rules: [
    { type: 'c', major: -1, minor: -1, access: 'm', allow: true, pointer: '' },
    { type: 'c', major: 1, minor: 3, access: 'rwm', allow: true, pointer: '' },
    { type: 'c', major: 136, minor: -1, access: 'rwm', allow: true, pointer: '' },
  ] });
  t.is(policy, 'strict');
  t.is(name, 'DeviceAllow');
  t.is(sig, 'a(ss)');
  t.deepEqual(allow.slice(0, 2), [['char-*', 'm'], ['/dev/char/1:3', 'rwm']]);
  t.deepEqual(allow[2], ['char-pts', 'rwm'], 'a wildcard minor by its driver name in /proc/devices');
});

test('org.systemd.property.* annotations: GVariant text, ...Sec in seconds, bad ones named', (t) => {
  const { props, problems } = annotationProperties({
    'org.systemd.property.TimeoutStopUSec': 'uint64 123456789',
    'org.systemd.property.CollectMode': "'inactive-or-failed'",
    'org.systemd.property.RuntimeMaxSec': '5',
    'org.systemd.property.Wants': "['a.service', 'b.service']",
    'org.systemd.property.Empty': '@as []',
    'org.systemd.property.bad': 'true',
    'org.systemd.property.Worse': 'not a value',
    'io.other': 'ignored',
  });
  t.deepEqual(props, [
    ['TimeoutStopUSec', 't', '123456789'],
    ['CollectMode', 's', 'inactive-or-failed'],
    ['RuntimeMaxUSec', 't', '5000000'],
    ['Wants', 'as', ['a.service', 'b.service']],
    ['Empty', 'as', []],
  ]);
  t.deepEqual(problems.map((p) => p.pointer), ['/annotations/org.systemd.property.bad', '/annotations/org.systemd.property.Worse']);
  t.deepEqual(parseGVariant('true'), { signature: 'b', value: true });
  t.deepEqual(parseGVariant('int32 -4'), { signature: 'i', value: '-4' });
  t.truthy(parseGVariant('[]').error);
});
