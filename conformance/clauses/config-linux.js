'use strict';
// config-linux.md: namespaces, user mappings, time offsets, devices, cgroups, sysctl, seccomp,
// rootfs propagation, masked and read-only paths, mount label, personality, intelRdt.
const fs = require('node:fs');
const path = require('node:path');
const { clauses, ERRNO } = require('../lib/clause');

const clause = clauses('config-linux.md');

const NS_FLAGS = { pid: '--pid', network: '--net', mount: '--mount', ipc: '--ipc', uts: '--uts', user: '--user', cgroup: '--cgroup', time: '--time' };
const PROC_NS = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };
const MAPPING = [{ containerID: 0, hostID: 100000, size: 65536 }];
// serial: a runtime may change the host's device nodes in a user namespace (see lib/sandbox.js).
const USERNS_NOTE = { note: 'runc 1.1 demands maps in the config even to join a user namespace by path; crun 1.8 chowns the host\'s /dev/null here (the suite puts it back).', serial: true };
const hostNs = (t) => fs.readlinkSync(`/proc/self/ns/${PROC_NS[t]}`);
const setNamespaces = (list) => (cfg) => { cfg.linux.namespaces = list; };
const withNs = (entry) => (cfg) => {
  cfg.linux.namespaces = [...cfg.linux.namespaces.filter((ns) => ns.type !== entry.type), entry];
  // A user namespace needs mappings; sysfs cannot be mounted there without a new network namespace
  // owned by it, which the default config has.
  if (entry.type === 'user' && !entry.path) Object.assign(cfg.linux, { uidMappings: MAPPING, gidMappings: MAPPING });
  // The joined user namespace (unshare --map-root-user) maps root only: devpts cannot use gid 5.
  if (entry.type === 'user' && entry.path) for (const m of cfg.mounts) if (m.options) m.options = m.options.filter((o) => o !== 'gid=5');
};

async function mustRefuse(c, patch, what) {
  const id = c.id();
  const created = await c.rt(['create', '--bundle', c.bundle(patch).dir, id]);
  c.check(created.code !== 0, `${what} was accepted`);
}

// ------------------------------------------------------------------ Default filesystems
clause('Default Filesystems', 'SHOULD', 'The following filesystems SHOULD be made available in each container\'s filesystem: /proc (proc), /sys (sysfs), /dev/pts (devpts), /dev/shm (tmpfs)',
  'proc, sysfs, devpts, tmpfs at their places', async (c) => {
    const p = await c.probe({});
    const want = { '/proc': 'proc', '/sys': 'sysfs', '/dev/pts': 'devpts', '/dev/shm': 'tmpfs' };
    for (const [dir, type] of Object.entries(want)) c.equal(p.mounts.filter((m) => m.mountPoint === dir).pop()?.fsType, type, dir);
  });

// ------------------------------------------------------------------ Namespaces
for (const type of Object.keys(NS_FLAGS)) {
  clause('Namespaces', 'MUST', 'If `path` is not specified, the runtime MUST create a new container namespace of type `type`.',
    `a new ${type} namespace`, async (c) => {
      const p = await c.probe(withNs({ type }));
      c.check(p.ns[PROC_NS[type]] && p.ns[PROC_NS[type]] !== hostNs(type), `${type} namespace ${p.ns[PROC_NS[type]]} is the host's`);
    }, type === 'user' ? USERNS_NOTE : {});
}

for (const type of Object.keys(NS_FLAGS)) {
  clause('Namespaces', 'MUST', 'The runtime MUST place the container process in the namespace associated with that `path`.',
    `joining a ${type} namespace by path`, async (c) => {
      const h = await c.holder(type === 'user' ? ['--user', '--map-root-user'] : [NS_FLAGS[type]]);
      const p = await c.probe(withNs({ type, path: h.path(PROC_NS[type]) }));
      c.equal(p.ns[PROC_NS[type]], h.ns(PROC_NS[type]), `${type} namespace`);
    }, type === 'user' ? USERNS_NOTE : {});
}

clause('Namespaces', 'MUST', 'The runtime MUST generate an error if `path` is not associated with a namespace of type `type`.',
  'a path to a namespace of another type is an error', async (c) => {
    const h = await c.holder(['--ipc']);
    await mustRefuse(c, withNs({ type: 'network', path: h.path('ipc') }), 'a network namespace path to an ipc namespace');
  });

clause('Namespaces', 'MUST', 'If a namespace type is not specified in the `namespaces` array, the container MUST inherit the runtime namespace of that type.',
  'no ipc or network entry: the runtime\'s ipc and network namespaces', async (c) => {
    const p = await c.probe(setNamespaces([{ type: 'pid' }, { type: 'uts' }, { type: 'mount' }]));
    c.equal([p.ns.ipc, p.ns.net], [hostNs('ipc'), hostNs('network')], '(ipc, net) namespaces');
  });

clause('Namespaces', 'MUST', 'If a `namespaces` field contains duplicated namespaces with same `type`, the runtime MUST generate an error.',
  'two pid entries are an error', async (c) => {
    await mustRefuse(c, (cfg) => { cfg.linux.namespaces.push({ type: 'pid' }); }, 'two pid namespaces');
  });

// ------------------------------------------------------------------ User namespace mappings, time offsets
clause('User namespace mappings', 'OPTIONAL', '`uidMappings` (array of objects, OPTIONAL) describes the user namespace uid mappings from the host to the container. `gidMappings` (array of objects, OPTIONAL) describes the user namespace gid mappings from the host to the container.',
  'uid_map and gid_map are the mappings', async (c) => {
    const p = await c.probe(withNs({ type: 'user' }));
    const map = (text) => String(text).trim().split(/\s+/).map(Number);
    c.equal([map(p.uidMap), map(p.gidMap)], [[0, 100000, 65536], [0, 100000, 65536]], '(uid_map, gid_map)');
  }, USERNS_NOTE);

clause('User namespace mappings', 'SHOULD NOT', 'The runtime SHOULD NOT modify the ownership of referenced filesystems to realize the mapping.',
  'the rootfs keeps its owner', async (c) => {
    const b = c.bundle(withNs({ type: 'user' }));
    const r = await c.runBundle(b);
    c.check(r.code === 0, `run with a user namespace failed: ${r.stderr.trim()}`);
    const st = fs.statSync(path.join(b.rootfs, 'etc'));
    c.equal([st.uid, st.gid], [0, 0], 'owner of rootfs/etc on the host');
  }, USERNS_NOTE);

clause('Offset for Time Namespace', 'OPTIONAL', '`timeOffsets` (object, OPTIONAL) sets the offset for Time Namespace.',
  'monotonic and boottime offsets', async (c) => {
    const day = 86400;
    const p = await c.probe((cfg) => { withNs({ type: 'time' })(cfg); cfg.linux.timeOffsets = { monotonic: { secs: 1000 * day }, boottime: { secs: 2000 * day } }; });
    const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    c.check(Math.abs(p.monotonicSecs - host - 1000 * day) < day && Math.abs(p.boottimeSecs - host - 2000 * day) < day,
      `clocks inside: monotonic ${p.monotonicSecs}, boottime ${p.boottimeSecs}; host uptime ${host}`);
  });

// ------------------------------------------------------------------ Devices
clause('Devices', 'MUST', '`devices` (array of objects, OPTIONAL) lists devices that MUST be available in the container.',
  'a device with its type, numbers, mode and owner', async (c) => {
    const p = await c.probe({ linux: { devices: [{ path: '/dev/conformance', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1, gid: 2 }] } }, ['-s', '/dev/conformance']);
    const s = p.stats['/dev/conformance'];
    c.equal([s.type, s.major, s.minor, s.mode, s.uid, s.gid], ['c', 1, 3, 0o640, 1, 2], '(type, major, minor, mode, uid, gid)');
  });

clause('Devices', 'MAY', 'The path MAY be anywhere in the container filesystem, notably outside of `/dev`.',
  'a device outside /dev', async (c) => {
    const p = await c.probe({ linux: { devices: [{ path: '/opt/conformance/null', type: 'c', major: 1, minor: 3 }] } }, ['-s', '/opt/conformance/null']);
    const s = p.stats['/opt/conformance/null'];
    c.equal([s.type, s.major, s.minor], ['c', 1, 3], '(type, major, minor)');
  });

clause('Devices', 'MUST', 'If a file already exists at `path` that does not match the requested device, the runtime MUST generate an error.',
  'a device over an existing regular file is an error', async (c) => {
    await mustRefuse(c, { root: { readonly: false }, linux: { devices: [{ path: '/etc/passwd', type: 'c', major: 1, minor: 3 }] } }, 'a device at /etc/passwd');
   }, { deliberate: true, note: 'tsrunc, like runc and crun, replaces what is at the path: images ship placeholder files for device nodes, and refusing them would break those images.' });

clause('Default Devices', 'MUST', 'In addition to any devices configured with this setting, the runtime MUST also supply: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty',
  'the default character devices', async (c) => {
    const want = { '/dev/null': [1, 3], '/dev/zero': [1, 5], '/dev/full': [1, 7], '/dev/random': [1, 8], '/dev/urandom': [1, 9], '/dev/tty': [5, 0] };
    const p = await c.probe({}, Object.keys(want).flatMap((d) => ['-s', d]));
    for (const [d, [major, minor]] of Object.entries(want)) c.equal([p.stats[d].type, p.stats[d].major, p.stats[d].minor], ['c', major, minor], d);
  });

clause('Default Devices', 'MUST', '`/dev/ptmx`. A bind-mount or symlink of the container\'s `/dev/pts/ptmx`.',
  '/dev/ptmx is the container\'s /dev/pts/ptmx', async (c) => {
    const p = await c.probe({}, ['-s', '/dev/ptmx']);
    const s = p.stats['/dev/ptmx'];
    const ok = (s.type === 'l' && ['pts/ptmx', '/dev/pts/ptmx'].includes(s.target))
      || (s.type === 'c' && p.mounts.some((m) => m.mountPoint === '/dev/ptmx' && m.fsType === 'devpts'));
    c.check(ok, `/dev/ptmx: ${JSON.stringify(s)}`);
  });

clause('Default Devices', 'MUST', '`/dev/console` is set up if `terminal` is enabled in the config by bind mounting the pseudoterminal pty to `/dev/console`.',
  '/dev/console is the pty with terminal: true', async (c) => {
    const p = await c.probe({ process: { terminal: true } }, ['-s', '/dev/console'], { tty: true });
    const s = p.stats['/dev/console'];
    c.check(s.type === 'c' && s.major === 136, `/dev/console: ${JSON.stringify(s)}`);
  });

// ------------------------------------------------------------------ Control groups
const V2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
const HOST_CG = { destination: '/hostcg', type: 'bind', source: '/sys/fs/cgroup', options: ['rbind', 'ro'] };
/** Where the host offers controller `ctrl`: 'v1', 'v2' or null. */
function controllerVersion(ctrl) {
  if (!V2 && fs.existsSync(`/sys/fs/cgroup/${ctrl}`)) return 'v1';
  const list = V2 ? '/sys/fs/cgroup/cgroup.controllers' : '/sys/fs/cgroup/unified/cgroup.controllers';
  return fs.existsSync(list) && fs.readFileSync(list, 'utf8').split(/\s+/).includes(ctrl) ? 'v2' : null;
}

/**
 * Runs the probe with `resources`, reading the cgroup files `files` = {v1: [file...], v2: [file...]}
 * of `ctrl` from inside; returns {version, values}. Skips when the host lacks the controller.
 */
async function cgroupValues(c, ctrl, resources, files, extra = {}) {
  const version = controllerVersion(ctrl);
  if (!version) c.skip(`this host has no ${ctrl} controller`);
  const list = files[version];
  if (!list) c.skip(`no ${version} interface for this setting`);
  // Files only some kernels have (swap accounting, a proportional-weight I/O scheduler, huge pages).
  const root = version === 'v1' ? `/sys/fs/cgroup/${ctrl}` : V2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  const missing = list.filter((f) => /memsw|weight|swap/.test(f) && !fs.existsSync(path.join(root, f)));
  if (list.some((f) => f.includes('2MB')) && !fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) missing.push('2MB huge pages');
  if (missing.length) c.skip(`this host's ${ctrl} controller has no ${missing.join(', ')}`);
  const p = await c.probe((cfg) => { cfg.mounts.push(HOST_CG); cfg.linux.resources = resources; Object.assign(cfg.linux, extra); }, list.flatMap((f) => ['-g', `${ctrl}:${f}`]));
  return { version, values: list.map((f) => { const v = p.cgroups[`${ctrl}:${f}`]; return typeof v === 'string' ? v.trim() : JSON.stringify(v); }) };
}

clause('Cgroups Path', 'MUST', 'If the value is specified, the runtime MUST consistently attach to the same place in the cgroups hierarchy given the same value of `cgroupsPath`.',
  'the same relative cgroupsPath gives the same cgroup', async (c) => {
    const cgroupsPath = `conformance-${c.tag}`;
    const seen = [];
    for (let i = 0; i < 2; i++) seen.push((await c.probe({ linux: { cgroupsPath } })).cgroup);
    c.check(seen[0] === seen[1] && seen[0].includes(`/${cgroupsPath}`), `/proc/self/cgroup: ${JSON.stringify(seen)}`);
  });

clause('Allowed Device list', 'MUST', 'The runtime MUST apply entries in the listed order.',
  'device rules in order: the last matching rule decides', async (c) => {
    if (!controllerVersion('devices') && !V2) c.skip('this host has no devices controller');
    const p = await c.probe({
      linux: {
        devices: [{ path: '/dev/conf-kmsg', type: 'c', major: 1, minor: 11 }, { path: '/dev/conf-loop', type: 'c', major: 10, minor: 237 }],
        resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' },
          { allow: true, type: 'c', major: 10, minor: 237, access: 'w' }, { allow: false, type: 'c', major: 10, minor: 237, access: 'w' }] },
      },
    }, ['-o', '/dev/conf-kmsg', '-o', '/dev/conf-loop']);
    c.check(p.opens['/dev/conf-kmsg'] !== ERRNO.EPERM, 'opening c 1:11 (allowed last) for writing: EPERM');
    c.equal(p.opens['/dev/conf-loop'], ERRNO.EPERM, 'errno opening c 10:237 (denied last) for writing');
  });

const MiB = 1024 * 1024;
const CGROUP_V1_NOTE = 'On a hybrid host these are cgroup v1 files (tsrunc\'s v1 driver, issue 10).';
const resourceTests = [
  ['Memory', '`limit` *(int64, OPTIONAL)* - sets limit of memory usage', 'memory.limit', 'memory', { memory: { limit: 64 * MiB } },
    { v1: ['memory.limit_in_bytes'], v2: ['memory.max'] }, () => [String(64 * MiB)]],
  ['Memory', '`reservation` *(int64, OPTIONAL)* - sets soft limit of memory usage', 'memory.reservation', 'memory', { memory: { limit: 64 * MiB, reservation: 32 * MiB } },
    { v1: ['memory.soft_limit_in_bytes'], v2: ['memory.low'] }, () => [String(32 * MiB)]],
  ['Memory', '`swap` *(int64, OPTIONAL)* - sets limit of memory+Swap usage', 'memory.swap', 'memory', { memory: { limit: 64 * MiB, swap: 96 * MiB } },
    { v1: ['memory.memsw.limit_in_bytes'], v2: ['memory.swap.max'] }, (v) => [String(v === 'v1' ? 96 * MiB : 32 * MiB)]],
  ['Memory', '`swappiness` *(uint64, OPTIONAL)* - sets swappiness parameter of vmscan', 'memory.swappiness', 'memory', { memory: { swappiness: 37 } },
    { v1: ['memory.swappiness'] }, () => ['37']],
  ['Memory', '`disableOOMKiller` *(bool, OPTIONAL)* - enables or disables the OOM killer.', 'memory.disableOOMKiller', 'memory', { memory: { limit: 64 * MiB, disableOOMKiller: true } },
    { v1: ['memory.oom_control'] }, () => null, (vals) => /oom_kill_disable 1/.test(vals[0])],
  ['CPU', '`shares` *(uint64, OPTIONAL)* - specifies a relative share of CPU time available to the tasks in a cgroup', 'cpu.shares', 'cpu', { cpu: { shares: 512 } },
    { v1: ['cpu.shares'], v2: ['cpu.weight'] }, (v) => [v === 'v1' ? '512' : String(1 + Math.floor(((512 - 2) * 9999) / 262142))]],
  ['CPU', '`quota` *(int64, OPTIONAL)* - specifies the total amount of time in microseconds for which all tasks in a cgroup can run during one period; `period` *(uint64, OPTIONAL)*', 'cpu.quota/period', 'cpu', { cpu: { quota: 25000, period: 100000 } },
    { v1: ['cpu.cfs_quota_us', 'cpu.cfs_period_us'], v2: ['cpu.max'] }, (v) => (v === 'v1' ? ['25000', '100000'] : ['25000 100000'])],
  ['CPU', '`cpus` *(string, OPTIONAL)* - list of CPUs the container will run on. `mems` *(string, OPTIONAL)* - list of memory nodes the container will run on.', 'cpuset.cpus/mems', 'cpuset', { cpu: { cpus: '0', mems: '0' } },
    { v1: ['cpuset.cpus', 'cpuset.mems'], v2: ['cpuset.cpus', 'cpuset.mems'] }, () => ['0', '0']],
  ['Block IO', '`weight` *(uint16, OPTIONAL)* - specifies per-cgroup weight.', 'blockIO.weight', 'blkio', { blockIO: { weight: 300 } },
    { v1: ['blkio.weight'] }, () => ['300']],
  ['Huge page limits', '`hugepageLimits` (array of objects, OPTIONAL) represents the `hugetlb` controller which allows to limit the HugeTLB reservations (if supported) or usage (page fault).', 'hugepageLimits 2MB', 'hugetlb', { hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] },
    { v1: ['hugetlb.2MB.limit_in_bytes'], v2: ['hugetlb.2MB.max'] }, () => [String(8 * MiB)]],
  ['Network', '`classID` *(uint32, OPTIONAL)* - is the network class identifier the cgroup\'s network packets will be tagged with', 'network.classID', 'net_cls', { network: { classID: 1048577 } },
    { v1: ['net_cls.classid'] }, () => ['1048577']],
  ['PIDs', '`limit` *(int64, REQUIRED)* - specifies the maximum number of tasks in the cgroup', 'pids.limit', 'pids', { pids: { limit: 42 } },
    { v1: ['pids.max'], v2: ['pids.max'] }, () => ['42']],
  ['RDMA', '`rdma` (object, OPTIONAL) represents the cgroup subsystem `rdma`.', 'rdma', 'rdma', { rdma: { mlx5_0: { hcaHandles: 3 } } },
    { v1: ['rdma.max'], v2: ['rdma.max'] }, () => null, (vals) => /hca_handle=3/.test(vals[0])],
];
for (const [heading, sentence, name, ctrl, resources, files, expected, predicate] of resourceTests) {
  clause(heading, 'MUST', sentence, `${name} is written to the container's cgroup`, async (c) => {
    if (ctrl === 'rdma' && !fs.existsSync('/sys/class/infiniband')) c.skip('this host has no RDMA device');
    const { version, values } = await cgroupValues(c, ctrl, resources, files);
    if (predicate) c.check(predicate(values), `${files[version].join(', ')}: ${JSON.stringify(values)}`);
    else c.equal(values, expected(version), files[version].join(', '));
  }, { note: CGROUP_V1_NOTE });
}

clause('Block IO', 'MUST', '`throttleReadBpsDevice`, `throttleWriteBpsDevice` *(array of objects, OPTIONAL)* - an array of per-device bandwidth rate limits.',
  'blockIO.throttleReadBpsDevice is written to the container\'s cgroup', async (c) => {
    const disk = fs.readdirSync('/sys/block').find((d) => !/^(loop|ram|zram)/.test(d));
    if (!disk) c.skip('this host has no block device');
    const [major, minor] = fs.readFileSync(`/sys/block/${disk}/dev`, 'utf8').trim().split(':').map(Number);
    const { version, values } = await cgroupValues(c, V2 ? 'io' : 'blkio', { blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] } },
      { v1: ['blkio.throttle.read_bps_device'], v2: ['io.max'] });
    c.check(values[0].includes(`${major}:${minor}`) && values[0].includes(version === 'v1' ? '1048576' : 'rbps=1048576'), `${version}: ${values[0]}`);
   }, { note: CGROUP_V1_NOTE });

clause('Unified', 'MUST', 'The runtime MUST generate an error when the configuration refers to a cgroup controller that is not present or that cannot be enabled.',
  'unified with a controller cgroup v2 does not offer here is an error (hybrid host); written as is on cgroup v2', async (c) => {
    if (V2) {
      const { values } = await cgroupValues(c, 'pids', { unified: { 'pids.max': '43' } }, { v2: ['pids.max'] });
      c.equal(values, ['43'], 'pids.max');
      return;
    }
    if (controllerVersion('pids') !== 'v1') c.skip('pids is not a v1 controller on this host');
    await mustRefuse(c, { linux: { resources: { unified: { 'pids.max': '43' } } } }, 'unified pids.max with pids on cgroup v1');
  });

clause('IntelRdt', 'MUST', 'If no mounted `resctrl` pseudo-filesystem is available in the runtime mount namespace, the runtime MUST generate an error.',
  'intelRdt without resctrl is an error', async (c) => {
    if (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - resctrl ')) c.skip('this host has resctrl mounted');
    await mustRefuse(c, { linux: { intelRdt: { closID: 'conformance' } } }, 'intelRdt');
  });

// ------------------------------------------------------------------ Sysctl
clause('Sysctl', 'OPTIONAL', '`sysctl` (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container.',
  'network and ipc sysctls in the container\'s namespaces', async (c) => {
    const p = await c.probe({ linux: { sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '12345' } } },
      ['-r', '/proc/sys/net/ipv4/ip_forward', '-r', '/proc/sys/kernel/msgmax']);
    c.equal([p.files['/proc/sys/net/ipv4/ip_forward'], p.files['/proc/sys/kernel/msgmax']], ['1\n', '12345\n'], '(ip_forward, msgmax)');
  });

// ------------------------------------------------------------------ Seccomp
const denyMkdir = (extra = {}) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', ...extra }] });
clause('Seccomp', 'MUST', '`errnoRet` *(uint, OPTIONAL)* - the errno return code to use. [...] If not specified its default value is `EPERM`.',
  'a filtered syscall fails with EPERM by default', async (c) => {
    const p = await c.probe({ root: { readonly: false }, linux: { seccomp: denyMkdir() } }, ['-m', '/tmp/d']);
    c.equal([p.seccompMode, p.mkdirs['/tmp/d']], [2, ERRNO.EPERM], '(Seccomp mode, errno of mkdir)');
  });

clause('Seccomp', 'MUST', '`errnoRet` *(uint, OPTIONAL)* - the errno return code to use. Some actions like `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE` allow to specify the errno code to return.',
  'errnoRet is the errno of a filtered syscall', async (c) => {
    const p = await c.probe({ root: { readonly: false }, linux: { seccomp: denyMkdir({ errnoRet: ERRNO.EOPNOTSUPP }) } }, ['-m', '/tmp/d']);
    c.equal(p.mkdirs['/tmp/d'], ERRNO.EOPNOTSUPP, 'errno of mkdir');
  });

clause('Seccomp', 'MUST', 'When the action doesn\'t support an errno, the runtime MUST print and error and fail.',
  'errnoRet with SCMP_ACT_KILL is an error', async (c) => {
    await mustRefuse(c, { linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] } } }, 'errnoRet with SCMP_ACT_KILL');
  });

// ------------------------------------------------------------------ Rootfs propagation, masked and read-only paths
for (const [value, check] of [['shared', (f) => f.some((x) => x.startsWith('shared:'))], ['slave', (f) => f.some((x) => x.startsWith('master:'))],
  ['private', (f) => f.length === 0], ['unbindable', (f) => f.includes('unbindable')]]) {
  clause('Rootfs Mount Propagation', 'OPTIONAL', '`rootfsPropagation` (string, OPTIONAL) sets the rootfs\'s mount propagation. Its value is either `shared`, `slave`, `private` or `unbindable`.',
    `rootfsPropagation: ${value} (rootfs on a shared host mount)`, async (c) => {
      // The rootfs is a shared mount on the host, so that slave and private differ from it.
      const b = c.bundle({ linux: { rootfsPropagation: value } });
      c.hostMount(['--bind', b.rootfs, b.rootfs]);
      c.hostMount(['--make-shared', b.rootfs]);
      const r = await c.runBundle(b);
      c.check(r.code === 0, `run failed (${r.exit}): ${r.stderr.trim()}`);
      const p = c.parse(r.stdout);
      const root = p.mounts.filter((m) => m.mountPoint === '/').pop();
      c.check(root && check(root.optional), `/ propagation fields: ${JSON.stringify(root?.optional)}`);
    });
}

clause('Masked Paths', 'MUST', '`maskedPaths` (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read.',
  'a masked file reads empty, a masked directory lists empty', async (c) => {
    const p = await c.probe({ linux: { maskedPaths: ['/proc/kcore', '/sys/firmware'] } }, ['-r', '/proc/kcore', '-l', '/sys/firmware']);
    const f = p.files['/proc/kcore'];
    c.check(f === '' || (typeof f === 'object'), `/proc/kcore read: ${JSON.stringify(f).slice(0, 80)}`);
    const l = p.lists['/sys/firmware'];
    c.check(Array.isArray(l) ? l.length === 0 : true, `/sys/firmware lists ${JSON.stringify(l)}`);
  });

clause('Readonly Paths', 'MUST', '`readonlyPaths` (array of strings, OPTIONAL) will set the provided paths as readonly inside the container.',
  'a read-only path refuses writes', async (c) => {
    const dir = c.hostDir('vol');
    const p = await c.probe((cfg) => {
      cfg.mounts.push({ destination: '/vol', type: 'bind', source: dir, options: ['rbind', 'rw'] });
      cfg.linux.readonlyPaths = ['/vol'];
    }, ['-w', '/vol/f']);
    c.equal(p.writes['/vol/f'], ERRNO.EROFS, 'errno writing /vol/f');
  });

clause('Mount Label', 'MUST', '`mountLabel` (string, OPTIONAL) will set the Selinux context for the mounts in the container.',
  'mountLabel labels the mounts', async (c) => {
    if (!fs.existsSync('/sys/fs/selinux/enforce')) c.skip('this host does not run SELinux');
    const p = await c.probe({ linux: { mountLabel: 'system_u:object_r:container_file_t:s0' } });
    c.check(p.mounts.some((m) => m.superOptions.some((o) => o.startsWith('context='))), 'no mount has a context= option');
  });

// ------------------------------------------------------------------ Personality
clause('Personality', 'MUST', '`domain` *(string, REQUIRED)* - the execution domain. `LINUX32` will set the `uname` system call to show a 32 bit CPU type, such as `i686`.',
  'personality LINUX32', async (c) => {
    if (!['x64', 'arm64'].includes(process.arch)) c.skip(`no 32-bit personality on ${process.arch}`);
    const p = await c.probe({ linux: { personality: { domain: 'LINUX32' } } });
    c.equal([p.personality & 0xff, p.machine], [8, process.arch === 'x64' ? 'i686' : 'armv8l'], '(personality, uname machine)');
  });

// ------------------------------------------------------------------ runtime-spec 1.1 - 1.3
const { execFileSync } = require('node:child_process');
const V13 = 'Added or changed in runtime-spec 1.1-1.3 (quoted from the 1.3.0 text).';

const moreResourceTests = [
  ['CPU', '`burst` *(uint64, OPTIONAL)* - specifies the maximum amount of accumulated time in microseconds for which all tasks in a cgroup can run additionally for burst during one period', 'cpu.burst', 'cpu',
    { cpu: { quota: 25000, period: 100000, burst: 10000 } }, { v1: ['cpu.cfs_burst_us'], v2: ['cpu.max.burst'] }, ['10000']],
  ['CPU', '`idle` *(int64, OPTIONAL)* - cgroups are configured with minimum weight, 0: default behavior, 1: SCHED_IDLE.', 'cpu.idle', 'cpu',
    { cpu: { idle: 1 } }, { v1: ['cpu.idle'], v2: ['cpu.idle'] }, ['1']],
  ['Huge page limits', 'the runtime MUST set the limit in the corresponding control file found in `/sys/fs/cgroup/hugetlb/hugetlb.<hugepagesize>.rsvd.limit_in_bytes` (if hugetlb reservation accounting is supported)', 'hugepageLimits 2MB rsvd', 'hugetlb',
    { hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] }, { v1: ['hugetlb.2MB.rsvd.limit_in_bytes'], v2: ['hugetlb.2MB.rsvd.max'] }, [String(8 * MiB)]],
];
for (const [heading, sentence, name, ctrl, resources, files, expected] of moreResourceTests) {
  clause(heading, 'MUST', sentence, `${name} is written to the container's cgroup`, async (c) => {
    const version = controllerVersion(ctrl);
    const root = version === 'v1' ? `/sys/fs/cgroup/${ctrl}` : V2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
    if (version && !fs.existsSync(path.join(root, files[version][0]))) c.skip(`this kernel has no ${files[version][0]}`);
    const { values } = await cgroupValues(c, ctrl, resources, files);
    c.equal(values, expected, name);
  }, { note: V13 });
}

clause('PIDs', 'SHOULD', 'Note: Even though it may superficially seem redundant, `0` is a valid limit value for the `pids` cgroup controller from the kernel\'s perspective and SHOULD be treated as such by runtimes.',
  'pids.limit 0 in a 1.3 config is pids.max 0', async (c) => {
    // The probe is the only process: it never forks.
    const version = controllerVersion('pids');
    if (!version) c.skip('this host has no pids controller');
    const p = await c.probe((cfg) => { cfg.ociVersion = '1.3.0'; cfg.mounts.push(HOST_CG); cfg.linux.resources = { pids: { limit: 0 } }; }, ['-g', 'pids:pids.max']);
    c.equal(String(p.cgroups['pids:pids.max']).trim(), '0', 'pids.max');
  }, { note: `${V13} runc before 1.4 and crun 1.8 read 0 as "no limit". tsrunc keeps that reading for configs older than 1.3 (podman 4 sends 0 for "unlimited").` });

clause('Memory', 'MUST', '`checkBeforeUpdate` *(bool, OPTIONAL)* - enables container memory usage check before setting a new limit. If enabled (`true`), runtime MAY check if a new memory limit is lower than the current usage, and MUST reject the new limit.',
  'update to a limit below the usage is rejected, the old limit stays', async (c) => {
    if (!controllerVersion('memory')) c.skip('this host has no memory controller');
    // 16 MiB in a tmpfs, charged to the container.
    const { id } = await c.createShell('dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; while :; do sleep 1; done', { linux: { resources: { memory: { limit: 128 * MiB } } } });
    await c.start(id);
    await new Promise((r) => setTimeout(r, 1500));
    const file = path.join(c.hostDir('update'), 'resources.json');
    fs.writeFileSync(file, JSON.stringify({ memory: { limit: 4 * MiB, checkBeforeUpdate: true } }));
    const r = await c.rt(['update', '--resources', file, id]);
    c.check(r.code !== 0, 'update to 4 MiB below a usage of 16 MiB succeeded');
    c.equal((await c.state(id))?.status, 'running', 'status after the rejected update');
  }, { note: `${V13} On cgroup v1 the kernel itself refuses such a limit; on cgroup v2 the runtime compares it with memory.current.` });

clause('Memory policy', 'OPTIONAL', '`memoryPolicy` (object, OPTIONAL) sets the NUMA memory policy for the container. For more information see the set_mempolicy(2) man page.',
  'the container process has the memory policy (numa_maps)', async (c) => {
    if (!fs.existsSync('/proc/self/numa_maps')) c.skip('this kernel has no NUMA support (/proc/self/numa_maps)');
    const p = await c.probe({ linux: { memoryPolicy: { mode: 'MPOL_BIND', nodes: '0' } } }, ['-r', '/proc/self/numa_maps']);
    const maps = p.files['/proc/self/numa_maps'];
    c.check(typeof maps === 'string' && / bind:0 /.test(maps), `numa_maps: ${String(JSON.stringify(maps)).slice(0, 200)}`);
  }, { note: V13 });

/** One end of a new veth pair on the host (the other end is deleted with it), with an address. */
function hostVeth(c, address) {
  const name = `cnf${c.tag.slice(0, 6)}${c.seq++}`.slice(0, 13);
  execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
  c.onCleanup(() => { try { execFileSync('ip', ['link', 'del', `${name}p`], { stdio: 'ignore' }); } catch { /* gone with the namespace */ } });
  execFileSync('ip', ['addr', 'add', address, 'dev', name]);
  return name;
}

clause('Network Devices', 'MUST', '`netDevices` (object, OPTIONAL) - A set of network devices that MUST be made available in the container. / The runtime MUST preserve existing network interface attributes, including all permanent IP addresses (IFA_F_PERMANENT flag) of any family with global scope / The runtime MUST set the network device state to "up" after moving it to the network namespace',
  'a veth end is in the container under its new name, with its address, up', async (c) => {
    const dev = hostVeth(c, '10.254.3.1/24');
    const p = await c.probe({ linux: { netDevices: { [dev]: { name: 'conf0' } } } }, ['-r', '/sys/class/net/conf0/flags', '-r', '/proc/net/fib_trie']);
    const flags = p.files['/sys/class/net/conf0/flags'];
    c.check(typeof flags === 'string', `no conf0 in the container: ${JSON.stringify(flags)}`);
    c.check((Number(flags.trim()) & 1) === 1, `conf0 is not up (flags ${flags.trim()})`);
    c.check(String(p.files['/proc/net/fib_trie']).includes('10.254.3.1'), 'the address 10.254.3.1 did not travel');
  }, { note: V13 });

clause('Network Devices', 'MUST', 'If a network device with the specified name already exists in the container namespace, the runtime MUST generate an error, unless the user has provided a template by appending `%d` to the new name.',
  'a name taken in the container ("lo") is an error; "%d" is numbered by the kernel', async (c) => {
    const dev = hostVeth(c, '10.254.4.1/24');
    const taken = await c.runBundle(c.bundle({ linux: { netDevices: { [dev]: { name: 'lo' } } } }));
    c.check(taken.code !== 0, 'moving a device in as "lo" succeeded');
    const again = hostVeth(c, '10.254.5.1/24');
    const p = await c.probe({ linux: { netDevices: { [again]: { name: 'conf%d' } } } }, ['-l', '/sys/class/net']);
    c.check((p.lists['/sys/class/net'] ?? []).includes('conf0'), `devices: ${JSON.stringify(p.lists['/sys/class/net'])}`);
  }, { note: V13 });

clause('IntelRdt', 'MUST', 'If `intelRdt` is set, the runtime MUST write the container process ID to the `tasks` file in a proper sub-directory in a mounted `resctrl` pseudo-filesystem. ... If the runtime cannot ... it MUST generate an error',
  'intelRdt where the host has no resctrl: an error', async (c) => {
    if (fs.existsSync('/sys/fs/resctrl/schemata')) c.skip('this host has resctrl: not tested here');
    const r = await c.runBundle(c.bundle({ linux: { intelRdt: { closID: 'conformance', l3CacheSchema: 'L3:0=f' } } }));
    c.check(r.code !== 0, 'a container with intelRdt ran on a host without resctrl');
  }, { note: V13 });

module.exports = clause.list;
