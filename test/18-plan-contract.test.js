// The plan contract between TypeScript and C++. src/plan/plan.schema.json defines the Plan once;
// scripts/build-plan.js generates the TypeScript types and the C++ structs + parser from it. These
// tests fail when the two sides disagree anyway:
//   - every compiled plan validates against the schema (additionalProperties: false), so a field the
//     compiler emits but the schema lacks fails here;
//   - tsrunc-init reads each plan and writes back what it understood (TSRUNC_PLAN_ECHO=1, a hidden
//     diagnostics mode): it must be deep-equal to what TypeScript produced;
//   - the configs below together set every field of the schema (and both null and a value for each
//     null-able one): a field added to the schema without a config here that fills it fails.
// No root needed: nothing is mounted or started.
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const { spawnSync } = require('node:child_process');
const Ajv = require('ajv');

const { compilePlan, compileExec } = require('tsrunc');

const REPO = path.resolve(__dirname, '..');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO, 'src/plan/plan.schema.json'), 'utf8'));
const INIT = path.join(REPO, 'build/native/Release/tsrunc-init');

const { planBundle: bundle } = require('./helpers/plan-bundle');

const hook = (name, extra = {}) => ({ path: `/bin/${name}`, args: [name, '-c', 'true'], env: [`HOOK=${name}`], ...extra });

// Everything a config can ask for, in one container with namespaces of its own.
const everything = {
  ociVersion: '1.0.2',
  root: { path: 'rootfs', readonly: true },
  hostname: 'contract',
  domainname: 'example.org',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noatime', 'size=1m', 'mode=1777', 'ro', 'tmpcopyup'] },
    { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nodev', 'rslave', 'unbindable', 'rnosuid', 'rrelatime'] },
    { destination: 'etc/../etc/file.txt', type: 'bind', source: 'file.txt', options: ['bind'] },
    { destination: '/mapped', type: 'bind', source: 'data', options: ['rbind', 'ridmap'] },
    { destination: '/mapped-own', type: 'bind', source: 'data', options: ['bind'], uidMappings: [{ containerID: 1, hostID: 2000, size: 10 }], gidMappings: [{ containerID: 1, hostID: 2000, size: 10 }] },
    // Placed for a v1 host (OPTIONS below): a tmpfs with co-mount links (MountOp.links), binds, read-only.
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid'] },
  ],
  process: {
    args: ['sh', '-c', 'true'],
    env: ['PATH=/bin', 'A=b'],
    cwd: '/home/../work',
    user: { uid: 1000, gid: 1001, umask: 0o027, additionalGids: [5, 6] },
    noNewPrivileges: true,
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2n ** 64n - 1n }],
    capabilities: {
      bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'],
      effective: ['CAP_CHOWN'],
      inheritable: ['CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    },
    oomScoreAdj: 100,
    apparmorProfile: 'tsrunc-contract',
    selinuxLabel: 'system_u:system_r:container_t:s0',
    ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 3 },
    scheduler: { policy: 'SCHED_DEADLINE', nice: -5, priority: 1, flags: ['SCHED_FLAG_RESET_ON_FORK'], runtime: 10_000_000,
      deadline: 2n ** 63n + 1n, period: 30_000_000 },
    terminal: true,
    consoleSize: { height: 30, width: 100 },
    execCPUAffinity: { initial: '0', final: '0,1-1' },
  },
  hooks: {
    prestart: [hook('prestart')],
    createContainer: [hook('create', { timeout: 5 })],
    startContainer: [hook('start')],
  },
  linux: {
    namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' },
      { type: 'cgroup', path: '/proc/self/ns/cgroup' }, { type: 'time' }, { type: 'user' }],
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    timeOffsets: { monotonic: { secs: -5, nanosecs: 7 }, boottime: { secs: 86400 } },
    rootfsPropagation: 'rshared',
    devices: [{ path: '/dev/./fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 7, gid: 8 }],
    maskedPaths: ['/proc/kcore', 'proc/../proc/keys'],
    readonlyPaths: ['/proc/sys'],
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192' },
    personality: { domain: 'LINUX32' },
    memoryPolicy: { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] },
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      listenerPath: 'AGENT', // a socket in the bundle, see compileAll
      listenerMetadata: 'contract',
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [
          { index: 1, value: 2n ** 64n - 1n, valueTwo: 2n ** 63n + 1n, op: 'SCMP_CMP_MASKED_EQ' },
        ] },
        { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO' },
      ],
    },
  },
};

// The other side of each null-able field: nothing asked for, no namespaces of its own but the mount
// namespace (so sysfs needs its fallback), /dev bind-mounted from the host (no devices, no symlinks).
const nothing = {
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  mounts: [
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] },
  ],
  process: { args: ['true'], cwd: '/' },
  linux: { namespaces: [{ type: 'mount' }, { type: 'network', path: '/proc/self/ns/net' }] },
};

// A filter with nothing to return and no agent.
const plainSeccomp = {
  ...nothing,
  linux: { ...nothing.linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_LOG' }] } },
};

// No mount namespace: the container shares the runtime's (hostMountNamespace).
const sharedMountNs = { ...nothing, linux: { namespaces: [{ type: 'pid' }] } };

const CONFIGS = { everything, nothing, plainSeccomp, sharedMountNs };
// Compile options, per config: the plan fields that come from the command line (runc --no-pivot) and
// from the container's cgroups (the cgroup mount's view, known once they are planned).
const OPTIONS = {
  nothing: { noPivot: true },
  everything: { cgroupMounts: { unified: false, namespace: false, hierarchies: [
    { name: 'cpu,cpuacct', fstype: 'cgroup', data: 'cpu,cpuacct', dir: '/sys/fs/cgroup/cpu,cpuacct/contract' },
    { name: 'memory', fstype: 'cgroup', data: 'memory', dir: '/sys/fs/cgroup/memory/contract' },
  ] } },
};
const LSM = { apparmor: true, selinux: true };

/** Compiles CONFIGS. The compiler checks that a seccomp agent listens: one does, in the bundle. */
async function compileAll(t) {
  const dir = bundle(t);
  const agent = net.createServer();
  const socket = path.join(dir, 'agent.sock');
  await new Promise((resolve) => agent.listen(socket, resolve));
  t.teardown(() => agent.close());
  const configs = structuredClone(CONFIGS);
  configs.everything.linux.seccomp.listenerPath = socket;
  // `everything` is a rootless `tsrunc bundle` (its record says the runtime mounts the overlay: rootfsOverlay).
  const rootless = bundle(t);
  const layers = ['l1', 'l2'].map((l) => path.join(rootless, 'store', l));
  for (const d of [...layers, path.join(rootless, 'overlay/upper'), path.join(rootless, 'overlay/work')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(rootless, 'tsrunc-bundle.json'), JSON.stringify({ version: 1, image: 'oci:x', store: path.join(rootless, 'store'), layers, volumes: [], overlay: 'container' }));
  return Object.entries(configs).map(([name, config]) => ({ name, plan: compilePlan(config, name === 'everything' ? rootless : dir, { id: `contract-${name}`, lsm: LSM, ...OPTIONS[name] }) }));
}

/**
 * ExecPlans (`tsrunc exec`) of the same configs: the container's own process, and with its
 * seccomp filter (and its agent: `withAgent`), personality and namespaces.
 */
async function compileExecs(t) {
  const target = (name) => ({ id: `contract-${name}`, pid: 4242, pidStartTime: '123456', cgroups: ['/sys/fs/cgroup/contract'] });
  const dir = bundle(t);
  const agent = net.createServer();
  const socket = path.join(dir, 'agent.sock');
  await new Promise((resolve) => agent.listen(socket, resolve));
  t.teardown(() => agent.close());
  const withAgent = structuredClone(everything);
  withAgent.linux.seccomp.listenerPath = socket;
  const configs = {
    everything: { ...everything, linux: { ...everything.linux, seccomp: plainSeccomp.linux.seccomp } },
    withAgent,
    nothing,
  };
  return Object.entries(configs).map(([name, config]) => ({ name, plan: compileExec(config, config.process, target(name), { lsm: LSM }) }));
}

const CONTRACT = require(path.join(REPO, 'dist/generated/contract.js'));
const CONTRACT_SOURCE = JSON.parse(fs.readFileSync(path.join(REPO, 'src/plan/contract.json'), 'utf8'));
const withoutComments = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== '$comment'));
/** The definitions that are sync messages (contract.json's messages), and what they carry. */
const MESSAGE_DEFS = new Set([
  ...Object.values(withoutComments(CONTRACT_SOURCE.messages.toInit)),
  ...Object.values(withoutComments(CONTRACT_SOURCE.messages.fromInit)),
  'GoStates',
  'RuntimeHooks',
]);

/** One message of each type, with every field set (the plans are compiled ones). */
async function sampleMessages(t) {
  const [{ plan }] = await compileAll(t);
  const [{ plan: exec }] = await compileExecs(t);
  return {
    SyncLaunch: { type: 'launch', plan, wait: true, preserveFds: 2 },
    SyncExec: { type: 'exec', exec, wait: true, preserveFds: 1, state: '{"id":"c"}' },
    SyncGo: { type: 'go', pid: 4242, states: { creating: '{"status":"creating"}', created: '{"status":"created"}' } },
    SyncResume: { type: 'resume' },
    SyncPid: { type: 'pid', pid: 7 },
    SyncHooks: { type: 'hooks' },
    SyncReady: { type: 'ready' },
    SyncError: { type: 'error', message: 'mount /x: no such file or directory', errno: 2, pointer: '/mounts/0' },
  };
}

/** What tsrunc-init read from `input`: { status, plan, stderr }. */
function echo(input, mode = '1') {
  const r = spawnSync(INIT, [], { input, env: { TSRUNC_PLAN_ECHO: mode }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, plan: r.status === 0 ? JSON.parse(r.stdout) : undefined };
}

test('every compiled plan validates against the Plan schema (no field the schema lacks)', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({ keyword: 'x-cpp', schemaType: 'string' });
  const validate = ajv.compile(SCHEMA);
  for (const { name, plan } of await compileAll(t)) {
    t.true(validate(plan), `${name}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('tsrunc-init reads back exactly the plan TypeScript wrote', async (t) => {
  for (const { name, plan } of await compileAll(t)) {
    const r = echo(JSON.stringify(plan));
    t.is(r.status, 0, `${name}: ${r.stderr}`);
    t.deepEqual(r.plan, JSON.parse(JSON.stringify(plan)), name);
  }
  for (const { name, plan } of await compileExecs(t)) {
    const r = echo(JSON.stringify(plan), 'exec');
    t.is(r.status, 0, `exec ${name}: ${r.stderr}`);
    t.deepEqual(r.plan, JSON.parse(JSON.stringify(plan)), `exec ${name}`);
  }
});

test('every compiled exec plan validates against the ExecPlan definition', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({ keyword: 'x-cpp', schemaType: 'string' });
  ajv.addSchema(SCHEMA, 'plan');
  const validate = ajv.getSchema('plan#/definitions/ExecPlan');
  for (const { name, plan } of await compileExecs(t)) t.true(validate(plan), `${name}: ${ajv.errorsText(validate.errors)}`);
});

/** Every property of the schema as "<Definition>.<property>", with whether it can be null. */
function schemaFields() {
  const fields = new Map();
  const add = (type, def) => {
    for (const [prop, s] of Object.entries(def.properties)) {
      const nullable = (Array.isArray(s.type) && s.type.includes('null')) || (s.anyOf ?? []).some((a) => a.type === 'null');
      fields.set(`${type}.${prop}`, nullable);
    }
  };
  add('Plan', SCHEMA);
  // The sync messages are checked field by field by their own test below.
  for (const [name, def] of Object.entries(SCHEMA.definitions)) if (def.type === 'object' && !MESSAGE_DEFS.has(name)) add(name, def);
  return fields;
}

/** Walks a plan along the schema, recording "<Definition>.<property>" -> kinds of value seen. */
function seenFields(plan, root = 'Plan') {
  const seen = new Map();
  const defOf = (s) => {
    if (s.$ref) return s.$ref.split('/').pop();
    if (s.anyOf) return s.anyOf.map(defOf).find(Boolean);
    if (s.type === 'array') return defOf(s.items);
    return undefined;
  };
  const walk = (type, def, value) => {
    for (const [prop, s] of Object.entries(def.properties)) {
      const v = value[prop];
      const key = `${type}.${prop}`;
      const kinds = seen.get(key) ?? new Set();
      const empty = v === null || (Array.isArray(v) && v.length === 0) || v === 0 || v === '' || v === '0' || v === false;
      kinds.add(v === null ? 'null' : empty ? 'empty' : 'set');
      seen.set(key, kinds);
      const sub = defOf(s);
      if (sub && SCHEMA.definitions[sub].type === 'object' && v !== null) {
        for (const item of Array.isArray(v) ? v : [v]) walk(sub, SCHEMA.definitions[sub], item);
      }
    }
  };
  walk(root, root === 'Plan' ? SCHEMA : SCHEMA.definitions[root], plan);
  return seen;
}

test('the contract configs set every Plan field (and leave each null-able one null once)', async (t) => {
  const seen = new Map();
  const plans = [...(await compileAll(t)).map(({ plan }) => [plan, 'Plan']), ...(await compileExecs(t)).map(({ plan }) => [plan, 'ExecPlan'])];
  for (const [plan, root] of plans) {
    for (const [key, kinds] of seenFields(plan, root)) seen.set(key, new Set([...(seen.get(key) ?? []), ...kinds]));
  }
  const missing = [];
  for (const [key, nullable] of schemaFields()) {
    const kinds = seen.get(key) ?? new Set();
    if (!kinds.has('set')) missing.push(`${key} never set`);
    if (nullable && !kinds.has('null')) missing.push(`${key} never null`);
  }
  t.deepEqual(missing, [], 'extend CONFIGS in this file so the new field is exercised');
});

test('tsrunc-init refuses a plan with a field it does not know, or without one it needs', async (t) => {
  const [{ plan }] = await compileAll(t);
  const extra = echo(JSON.stringify({ ...plan, process: { ...plan.process, tty: true } }));
  t.is(extra.status, 1);
  t.regex(extra.stderr, /ProcessPlan: unknown field "tty"/);
  const { umask, ...withoutUmask } = plan.process;
  const missing = echo(JSON.stringify({ ...plan, process: withoutUmask }));
  t.is(missing.status, 1);
  t.regex(missing.stderr, /key 'umask' not found/);
  const big = echo(JSON.stringify({ ...plan, process: { ...plan.process, rlimits: [{ ...plan.process.rlimits[0], hard: '18446744073709551616' }] } }));
  t.is(big.status, 1, '2^64 does not fit a uint64_t');
});

test('the contract constants tsrunc-init was compiled with are the ones TypeScript uses (src/plan/contract.json)', (t) => {
  const r = spawnSync(INIT, [], { env: { TSRUNC_PLAN_ECHO: 'contract' }, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), {
    planVersion: CONTRACT.PLAN_VERSION,
    syncSteps: CONTRACT.SYNC_STEPS,
    env: CONTRACT.INIT_ENV,
    forkServer: CONTRACT.FORK_SERVER,
  });
  // And the generated TypeScript carries the source's values (a stale dist/ fails here).
  t.deepEqual(CONTRACT.SYNC_STEPS, withoutComments(CONTRACT_SOURCE.syncSteps));
  t.is(CONTRACT.PLAN_VERSION, SCHEMA.properties.version.const);
});

test('every sync message reads back the same in tsrunc-init, validates against its definition, and TypeScript accepts what the init sends', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({ keyword: 'x-cpp', schemaType: 'string' });
  ajv.addSchema(SCHEMA, 'plan');
  const samples = await sampleMessages(t);
  const fromInit = withoutComments(CONTRACT_SOURCE.messages.fromInit);
  const toInit = withoutComments(CONTRACT_SOURCE.messages.toInit);
  t.deepEqual(Object.keys(samples).sort(), [...Object.values(toInit), ...Object.values(fromInit)].sort(), 'a message added to contract.json needs a sample here');
  for (const [def, message] of Object.entries(samples)) {
    const validate = ajv.getSchema(`plan#/definitions/${def}`);
    t.true(validate(message), `${def}: ${ajv.errorsText(validate.errors)}`);
    const r = echo(JSON.stringify(message), 'message');
    t.is(r.status, 0, `${def}: ${r.stderr}`);
    t.deepEqual(r.plan, JSON.parse(JSON.stringify(message)), def);
  }
  for (const def of Object.values(fromInit)) t.deepEqual(CONTRACT.checkFromInit(samples[def]), samples[def], def);
  // A field the other side does not know, or one missing, is refused by both.
  const extra = echo(JSON.stringify({ ...samples.SyncGo, surprise: 1 }), 'message');
  t.not(extra.status, 0);
  t.regex(extra.stderr, /unknown field "surprise"/);
  t.regex(CONTRACT.checkFromInit({ type: 'pid' }), /pid is not an integer/);
  t.regex(CONTRACT.checkFromInit({ type: 'pid', pid: 0 }), /pid is below 1/);
  t.regex(CONTRACT.checkFromInit({ type: 'error', message: 'x', pointer: '' }), /errno is not an integer/);
});

test('the runtime hooks request (RuntimeHooks) is read by tsrunc-init\'s generated parser, and every field of it is used', (t) => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({ keyword: 'x-cpp', schemaType: 'string' });
  ajv.addSchema(SCHEMA, 'plan');
  const validate = ajv.getSchema('plan#/definitions/RuntimeHooks');
  const hook = (code) => ({ path: '/bin/sh', args: ['sh', '-c', `cat; echo " $FOO"; exit ${code}`], env: ['FOO=bar'], timeout: 0, pointer: `/hooks/prestart/${code}` });
  const run = (request) => {
    t.true(validate(request), ajv.errorsText(validate.errors));
    const r = spawnSync(INIT, [], { env: { [CONTRACT.INIT_ENV.runHooks]: '1' }, input: JSON.stringify(request), encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, failures: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  };
  // hooks, state (each hook's stdin) and env reach the hook; keepGoing decides whether the second runs.
  const going = run({ hooks: [hook(3), hook(4)], state: '{"id":"x"}', keepGoing: true });
  t.is(going.status, 1);
  t.deepEqual(going.failures, [
    { type: 'error', message: 'prestart hook /bin/sh exited with status 3: {"id":"x"} bar', errno: 0, pointer: '/hooks/prestart/3' },
    { type: 'error', message: 'prestart hook /bin/sh exited with status 4: {"id":"x"} bar', errno: 0, pointer: '/hooks/prestart/4' },
  ]);
  t.is(run({ hooks: [hook(3), hook(4)], state: '{}', keepGoing: false }).failures.length, 1);
  t.deepEqual(run({ hooks: [hook(0)], state: '{}', keepGoing: false }), { status: 0, stderr: '', failures: [] });
  // Not a RuntimeHooks: refused, naming the field.
  const r = spawnSync(INIT, [], { env: { [CONTRACT.INIT_ENV.runHooks]: '1' }, input: JSON.stringify({ hooks: [], state: '', keepGoing: true, surprise: 1 }), encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /unknown field "surprise"/);
});
