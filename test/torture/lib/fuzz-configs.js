'use strict';
// fast-check arbitraries for hostile config.json and process.json documents, as JSON TEXT: the
// values a JavaScript JSON.stringify cannot write (2^64-1 exactly, 1e400, 20,000 levels of nesting,
// a key written twice) are part of what a runtime must survive, so documents are trees of plain
// values plus Raw pieces of JSON text, serialised by toJsonText().
//
//   mutatedDocument(base)   the base document with 1-4 random edits at random JSON paths: a value
//                           replaced by one of another type, a boundary number, a hostile string,
//                           deep nesting; a field removed; an unknown field added; an array entry
//                           duplicated (two mounts on one destination); a key written twice
//   generatedConfig(ctx)    a config built from scratch, schema-shaped but with hostile values
//   generatedProcess()      the same for exec's process.json
//
// Every document is a {text, how} pair: `how` lists the edits, for the failure message.
const fc = require('fast-check');

/** A piece of JSON text written as is (a number JSON.stringify cannot write exactly, deep nesting). */
class Raw {
  constructor(text) { this.text = text; }
}

// An object key that is written twice: {"k": a, "k": b} (the second value is the property's value).
const DUP = '\u0001dup\u0001';

/** JSON text of a tree of plain values and Raw pieces. */
function toJsonText(v) {
  if (v instanceof Raw) return v.text;
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts = [];
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith(DUP)) {
        const key = JSON.stringify(k.slice(DUP.length));
        parts.push(`${key}:${toJsonText(x.first)}`, `${key}:${toJsonText(x.second)}`);
      } else {
        parts.push(`${JSON.stringify(k)}:${toJsonText(x)}`);
      }
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

// ------------------------------------------------------------------ hostile leaves

/** Numbers at the edges of every integer type a config field can be, as JSON text. */
const BOUNDARY_NUMBERS = [
  '0', '-0', '1', '-1', '0.5', '-0.5', '1.0', '1e3', '255', '256', '65535', '65536', '-1000', '1001',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296',
  '9007199254740991', '9007199254740993', '-9007199254740993',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '18446744073709551616', '-18446744073709551615', '36893488147419103232',
  '123456789012345678901234567890', '1e308', '-1e308', '1e400', '-1e400', '1e-400', '4.9e-324',
  '18446744073709551615.0', '1.8446744073709552e19',
];
const boundaryNumber = fc.constantFrom(...BOUNDARY_NUMBERS).map((t) => new Raw(t));

const SPECIAL_STRINGS = [
  '', ' ', '/', '//', '.', '..', '/..', '/../../../..', '../../etc/passwd', '/proc/self/root', '/dev/null',
  '/etc/../proc', 'rootfs', '/tmp', 'a\u0000b', '/\u0000', '\u0000', '\ud800', '\udfff\ud800', 'é', '日本語/路径',
  '\u202e', '😀/🐳', 'ＡＢＣ', '\n', '\t', '\\', '"', '%s%n', '${HOME}', 'SCMP_ACT_ALLOW', 'RLIMIT_NOFILE',
  'CAP_SYS_ADMIN', 'CAP_NOPE', 'bind', 'rbind', 'ro', 'rw', 'nosuid', 'shared', 'rshared', 'private', 'proc',
  'tmpfs', 'sysfs', 'mount', 'pid', 'network', 'user', 'cgroup', 'time', 'x=y', '=', 'PATH', 'size=1t',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf',
  'mode=99999999', 'uid=-1', 'A'.repeat(4097), 'B'.repeat(70000), '/'.repeat(5000), '/a'.repeat(3000),
];
const specialString = fc.constantFrom(...SPECIAL_STRINGS);

/** Any string: hostile ones, arbitrary unicode (lone surrogates included), short ASCII. */
const anyString = fc.oneof(
  { weight: 3, arbitrary: specialString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Arrays or objects nested `depth` deep, as text (no recursion needed to write or to generate). */
const deepNesting = fc.record({
  depth: fc.oneof(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1000, max: 100000 })),
  kind: fc.constantFrom('array', 'object', 'mixed'),
}).map(({ depth, kind }) => {
  if (kind === 'array') return new Raw('['.repeat(depth) + ']'.repeat(depth));
  if (kind === 'object') return new Raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  return new Raw('[{"a":'.repeat(depth) + '0' + '}]'.repeat(depth));
});

/** A small number: ids, indexes, sizes that are often valid. */
const smallNumber = fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: -5, max: 5 }));
const anyNumber = fc.oneof(boundaryNumber, smallNumber, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

/** Any JSON value, weighted toward the hostile ones. */
const anyValue = fc.oneof(
  { weight: 3, arbitrary: boundaryNumber },
  { weight: 3, arbitrary: anyString },
  { weight: 1, arbitrary: smallNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(anyString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(anyString, anyString, { maxKeys: 3 }) },
);

// ------------------------------------------------------------------ edits at random paths

/** Every path in a tree (arrays of keys), the root [] included; Raw leaves are leaves. */
function pathsOf(v, at = [], out = []) {
  out.push(at);
  if (v instanceof Raw || v === null || typeof v !== 'object') return out;
  for (const k of Object.keys(v)) if (!k.startsWith(DUP)) pathsOf(v[k], [...at, k], out);
  return out;
}
const isContainer = (v) => v !== null && typeof v === 'object' && !(v instanceof Raw);

const edit = fc.record({
  op: fc.constantFrom('replace', 'replace', 'replace', 'remove', 'unknown', 'duplicate', 'duplicate', 'dupkey', 'wrap'),
  at: fc.nat(),
  value: anyValue,
  key: fc.oneof(specialString, fc.string({ maxLength: 10 }), fc.constantFrom('type', 'path', 'options', 'args', 'uid', 'linux', 'process')),
});

/** Applies an edit to `doc` (a fresh copy); returns [doc, description]. */
function applyEdit(doc, { op, at, value: generated, key }) {
  // A copy: fast-check may hand the same object to two edits, and one inside the other is a cycle.
  const value = structuredCopy(generated);
  const all = pathsOf(doc);
  // Edits that need a container (add a field, duplicate an entry) pick among containers only.
  const wantContainer = op === 'unknown' || op === 'duplicate' || op === 'dupkey';
  const wantArray = op === 'duplicate';
  const candidates = all.filter((p) => {
    const v = get(doc, p);
    if (wantArray) return Array.isArray(v) && v.length > 0;
    if (op === 'unknown' || op === 'dupkey') return isContainer(v) && !Array.isArray(v);
    if (op === 'remove') return p.length > 0;
    return true;
  });
  if ((wantContainer || op === 'remove') && candidates.length === 0) return [doc, `${op}: no target`];
  const list = candidates.length ? candidates : all;
  const p = list[at % list.length];
  const where = '/' + p.join('/');
  const parent = p.length ? get(doc, p.slice(0, -1)) : undefined;
  const last = p[p.length - 1];
  const describe = (v) => (v instanceof Raw ? `raw ${v.text.length > 40 ? v.text.slice(0, 40) + '...' : v.text}` : truncate(JSON.stringify(v)));
  switch (op) {
    case 'replace':
      if (!p.length) return [value, `replace / with ${describe(value)}`];
      parent[last] = value;
      return [doc, `replace ${where} with ${describe(value)}`];
    case 'remove':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      return [doc, `remove ${where}`];
    case 'unknown': {
      const target = get(doc, p);
      // defineProperty: "__proto__" becomes a key of the document, as JSON.parse makes it.
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      return [doc, `add ${where}/${truncate(key)} = ${describe(value)}`];
    }
    case 'duplicate': {
      const arr = get(doc, p);
      const i = at % arr.length;
      arr.push(structuredCopy(arr[i]));
      return [doc, `duplicate ${where}/${i}`];
    }
    case 'dupkey': {
      const target = get(doc, p);
      const keys = Object.keys(target).filter((k) => !k.startsWith(DUP));
      if (!keys.length) return [doc, 'dupkey: no key'];
      const k = keys[at % keys.length];
      const first = value;
      const second = target[k];
      delete target[k];
      target[DUP + k] = { first, second };
      return [doc, `write ${where}/${k} twice (first ${describe(first)})`];
    }
    case 'wrap':
    default: {
      const v = get(doc, p);
      const wrapped = at % 2 ? [v] : { value: v };
      if (!p.length) return [wrapped, 'wrap /'];
      parent[last] = wrapped;
      return [doc, `wrap ${where} in ${at % 2 ? 'an array' : 'an object'}`];
    }
  }
}

const truncate = (s) => (s === undefined ? 'undefined' : s.length > 60 ? s.slice(0, 60) + '...' : s);
const get = (doc, p) => p.reduce((v, k) => v?.[k], doc);
const structuredCopy = (v) => (v instanceof Raw ? new Raw(v.text) : isContainer(v) ? (Array.isArray(v) ? v.map(structuredCopy) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCopy(x)]))) : v);

/** `base` (a plain JSON value) with 1-4 random edits: {text, how}. */
function mutatedDocument(base, { maxEdits = 4 } = {}) {
  return fc.array(edit, { minLength: 1, maxLength: maxEdits }).map((edits) => {
    let doc = structuredCopy(base);
    const how = [];
    for (const e of edits) {
      const [next, what] = applyEdit(doc, e);
      doc = next;
      how.push(what);
    }
    return { doc, how };
  });
}

// ------------------------------------------------------------------ generated from scratch

const optional = (arb) => fc.option(arb, { nil: undefined, freq: 3 });
const pathLike = fc.oneof(specialString, fc.constantFrom('/data', '/tmp/x', '/proc/sys', '/dev/fuzz', '/etc/hostname', '/sys/fs'), anyString);
const num = fc.oneof({ weight: 2, arbitrary: smallNumber }, { weight: 2, arbitrary: boundaryNumber }, { weight: 1, arbitrary: anyValue });
const strList = fc.array(fc.oneof(anyString, fc.constantFrom('ro', 'bind', 'rbind', 'nosuid', 'nodev', 'rprivate', 'mode=755', 'size=1k')), { maxLength: 5 });
const capList = fc.array(fc.oneof(fc.constantFrom('CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_NET_RAW', 'CAP_BPF', 'CAP_63', 'cap_chown'), anyString), { maxLength: 4 });

const processObject = fc.record({
  terminal: optional(fc.oneof(fc.constant(false), anyValue)),
  user: optional(fc.record({ uid: num, gid: num, umask: optional(num), additionalGids: optional(fc.array(num, { maxLength: 3 })) }, { requiredKeys: [] })),
  args: fc.oneof({ weight: 3, arbitrary: fc.constant(['true']) }, { weight: 2, arbitrary: fc.array(anyString, { maxLength: 4 }) }, { weight: 1, arbitrary: anyValue }),
  env: optional(fc.array(fc.oneof(anyString, fc.constant('PATH=/bin')), { maxLength: 4 })),
  cwd: fc.oneof(fc.constant('/'), pathLike),
  capabilities: optional(fc.record({ bounding: capList, effective: capList, inheritable: capList, permitted: capList, ambient: capList }, { requiredKeys: [] })),
  rlimits: optional(fc.array(fc.record({ type: fc.oneof(fc.constantFrom('RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_CORE', 'RLIMIT_FOO'), anyString), soft: num, hard: num }, { requiredKeys: [] }), { maxLength: 3 })),
  noNewPrivileges: optional(fc.oneof(fc.boolean(), anyValue)),
  oomScoreAdj: optional(num),
  apparmorProfile: optional(anyString),
  selinuxLabel: optional(anyString),
  consoleSize: optional(fc.record({ height: num, width: num }, { requiredKeys: [] })),
  ioPriority: optional(fc.record({ class: fc.oneof(fc.constantFrom('IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'), anyString), priority: num }, { requiredKeys: [] })),
  scheduler: optional(fc.record({ policy: fc.oneof(fc.constantFrom('SCHED_OTHER', 'SCHED_FIFO', 'SCHED_BATCH', 'SCHED_IDLE'), anyString), nice: num, priority: num, flags: optional(strList) }, { requiredKeys: [] })),
}, { requiredKeys: ['args', 'cwd'] });

const mount = fc.record({
  destination: pathLike,
  type: optional(fc.oneof(fc.constantFrom('tmpfs', 'bind', 'proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'none', 'ext4', 'overlay'), anyString)),
  source: optional(fc.oneof(fc.constantFrom('tmpfs', 'proc', 'none', '.', 'rootfs', '/tmp', '/nonexistent'), anyString)),
  options: optional(strList),
}, { requiredKeys: [] });

const namespaces = fc.array(fc.record({
  type: fc.oneof(fc.constantFrom('pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user', 'time'), anyString),
  path: optional(fc.oneof(fc.constantFrom('/proc/self/ns/net', '/proc/1/ns/ipc', '/nonexistent'), anyString)),
}, { requiredKeys: ['type'] }), { maxLength: 7 }).map((list) => (list.some((n) => n.type === 'mount') ? list : [...list, { type: 'mount' }]));

const resources = fc.record({
  memory: optional(fc.record({ limit: num, reservation: num, swap: num, kernel: num, swappiness: num, disableOOMKiller: optional(fc.boolean()) }, { requiredKeys: [] })),
  cpu: optional(fc.record({ shares: num, quota: num, period: num, realtimeRuntime: num, realtimePeriod: num, cpus: optional(fc.oneof(fc.constantFrom('0', '0-1', '0,1', '1-0', '99999'), anyString)), mems: optional(anyString), idle: num }, { requiredKeys: [] })),
  pids: optional(fc.record({ limit: num }, { requiredKeys: [] })),
  blockIO: optional(fc.record({ weight: num, leafWeight: num, weightDevice: optional(fc.array(fc.record({ major: num, minor: num, weight: num }, { requiredKeys: [] }), { maxLength: 2 })), throttleReadBpsDevice: optional(fc.array(fc.record({ major: num, minor: num, rate: num }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })),
  hugepageLimits: optional(fc.array(fc.record({ pageSize: fc.oneof(fc.constantFrom('2MB', '1GB', '4KB'), anyString), limit: num }, { requiredKeys: [] }), { maxLength: 2 })),
  devices: optional(fc.array(fc.record({ allow: fc.oneof(fc.boolean(), anyValue), type: optional(fc.oneof(fc.constantFrom('a', 'b', 'c'), anyString)), major: optional(num), minor: optional(num), access: optional(fc.oneof(fc.constantFrom('rwm', 'r', 'x'), anyString)) }, { requiredKeys: [] }), { maxLength: 3 })),
  unified: optional(fc.dictionary(fc.oneof(fc.constantFrom('memory.max', 'pids.max', 'cgroup.procs', '../x', 'cpu.weight'), anyString), anyString, { maxKeys: 3 })),
  rdma: optional(fc.dictionary(anyString, fc.record({ hcaHandles: num, hcaObjects: num }, { requiredKeys: [] }), { maxKeys: 2 })),
}, { requiredKeys: [] });

const seccomp = fc.record({
  defaultAction: fc.oneof(fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'), anyString),
  defaultErrnoRet: optional(num),
  architectures: optional(fc.array(fc.oneof(fc.constantFrom('SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'), anyString), { maxLength: 3 })),
  flags: optional(strList),
  syscalls: optional(fc.array(fc.record({
    names: fc.array(fc.oneof(fc.constantFrom('getcwd', 'mkdir', 'read', 'nosuchcall'), anyString), { maxLength: 3 }),
    action: fc.oneof(fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS'), anyString),
    errnoRet: optional(num),
    args: optional(fc.array(fc.record({ index: num, value: num, valueTwo: optional(num), op: fc.oneof(fc.constantFrom('SCMP_CMP_EQ', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_GT'), anyString) }, { requiredKeys: [] }), { maxLength: 7 })),
  }, { requiredKeys: [] }), { maxLength: 3 })),
}, { requiredKeys: [] });

/**
 * A config built from scratch. `rootfs` (absolute) is the root.path most of the time, so that a
 * good share of configs gets past the loader into the compiler, the addon and the init.
 */
function generatedConfig({ rootfs }) {
  return fc.record({
    ociVersion: fc.oneof({ weight: 4, arbitrary: fc.constant('1.0.2') }, { weight: 1, arbitrary: anyString }),
    process: fc.oneof({ weight: 9, arbitrary: processObject }, { weight: 1, arbitrary: anyValue }),
    root: fc.record({ path: fc.oneof({ weight: 4, arbitrary: fc.constant(rootfs) }, { weight: 1, arbitrary: pathLike }), readonly: optional(fc.oneof(fc.boolean(), anyValue)) }, { requiredKeys: ['path'] }),
    hostname: optional(anyString),
    domainname: optional(anyString),
    mounts: optional(fc.array(mount, { maxLength: 5 })),
    annotations: optional(fc.dictionary(anyString, fc.oneof(anyString, anyValue), { maxKeys: 3 })),
    linux: fc.record({
      namespaces,
      resources: optional(resources),
      cgroupsPath: optional(anyString),
      sysctl: optional(fc.dictionary(fc.oneof(fc.constantFrom('net.ipv4.ip_forward', 'kernel.shmmax', 'fs.mqueue.msg_max', 'kernel.hostname', 'vm.swappiness', 'net/ipv4/../../x'), anyString), anyString, { maxKeys: 3 })),
      maskedPaths: optional(fc.array(pathLike, { maxLength: 3 })),
      readonlyPaths: optional(fc.array(pathLike, { maxLength: 3 })),
      rootfsPropagation: optional(fc.oneof(fc.constantFrom('private', 'rslave', 'shared', 'unbindable'), anyString)),
      devices: optional(fc.array(fc.record({ type: fc.oneof(fc.constantFrom('c', 'b', 'u', 'p'), anyString), path: pathLike, major: optional(num), minor: optional(num), fileMode: optional(num), uid: optional(num), gid: optional(num) }, { requiredKeys: [] }), { maxLength: 3 })),
      seccomp: optional(seccomp),
      personality: optional(fc.record({ domain: fc.oneof(fc.constantFrom('LINUX', 'LINUX32'), anyString), flags: optional(strList) }, { requiredKeys: [] })),
      uidMappings: optional(fc.array(fc.record({ containerID: num, hostID: num, size: num }, { requiredKeys: [] }), { maxLength: 2 })),
      timeOffsets: optional(fc.dictionary(fc.constantFrom('monotonic', 'boottime', 'realtime'), fc.record({ secs: num, nanosecs: num }, { requiredKeys: [] }), { maxKeys: 2 })),
      mountLabel: optional(anyString),
    }, { requiredKeys: ['namespaces'] }),
  }, { requiredKeys: ['ociVersion', 'root', 'linux'] }).map((doc) => ({ doc, how: ['generated'] }));
}

/** A process.json for exec built from scratch. */
const generatedProcess = processObject.map((doc) => ({ doc, how: ['generated'] }));

/**
 * The default bundle's config with one of every kind of field the mutations should reach: rlimits,
 * capabilities, resources, seccomp with arguments, devices, sysctl, masked paths, a bind mount of
 * `hostDir`, process attributes. `rootfs` is absolute. The process is `args`.
 */
function richConfig(base, { rootfs, hostDir, args = ['true'] }) {
  const c = JSON.parse(JSON.stringify(base));
  c.root = { path: rootfs, readonly: true };
  c.process.args = args;
  c.process.user = { uid: 0, gid: 0, additionalGids: [1, 2], umask: 18 };
  c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }, { type: 'RLIMIT_CORE', hard: new Raw('18446744073709551615'), soft: 0 }];
  c.process.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'], inheritable: [], ambient: [] };
  c.process.noNewPrivileges = true;
  c.process.oomScoreAdj = 100;
  c.process.consoleSize = { height: 24, width: 80 };
  c.mounts.push({ destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'ro'] });
  c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'mode=1777'] });
  c.annotations = { 'org.example.fuzz': 'yes' };
  c.linux.resources = {
    memory: { limit: 268435456, swap: 268435456 },
    cpu: { shares: 512, quota: 50000, period: 100000 },
    pids: { limit: 64 },
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
  };
  c.linux.devices = [{ type: 'c', path: '/dev/fuzz0', major: 1, minor: 3, fileMode: 438, uid: 0, gid: 0 }];
  c.linux.sysctl = { 'net.ipv4.ip_forward': '0', 'kernel.shmmax': '68719476736' };
  c.linux.maskedPaths = ['/proc/kcore', '/sys/firmware'];
  c.linux.readonlyPaths = ['/proc/sys', '/proc/bus'];
  c.linux.rootfsPropagation = 'rprivate';
  c.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['getcwd', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }],
  };
  return c;
}

/** The process.json of an exec: the container's own process, with `args`. */
function richProcess(config, { args = ['true'] } = {}) {
  const p = JSON.parse(JSON.stringify(config.process, (k, v) => (v instanceof Raw ? undefined : v)));
  p.args = args;
  p.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }, { type: 'RLIMIT_CORE', hard: new Raw('18446744073709551615'), soft: 0 }];
  return p;
}

module.exports = { richConfig, richProcess, Raw, toJsonText, mutatedDocument, generatedConfig, generatedProcess, anyValue, BOUNDARY_NUMBERS };
