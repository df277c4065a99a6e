// linux.seccomp -> plan.seccomp: the pure compile step (no root, nothing loaded).
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');

const { compilePlan } = require('tsrunc');
const { compileSeccomp } = require('tsrunc/internal');
const { tempDir } = require('./helpers/runtime');

const DOCKER = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/seccomp-docker-default.json'), 'utf8'));

/** compileSeccomp with its findings: {plan, problems, warnings}. */
function compile(seccomp) {
  const problems = [];
  const warnings = [];
  const plan = compileSeccomp(seccomp, problems, warnings);
  return { plan, problems, warnings };
}

const allow = (names, extra = {}) => ({ names, action: 'SCMP_ACT_ALLOW', ...extra });

test('no linux.seccomp gives no filter', (t) => {
  t.deepEqual(compile(undefined), { plan: null, problems: [], warnings: [] });
});

test("the Docker default profile compiles: architectures mapped, args as decimal strings", (t) => {
  const { plan, problems, warnings } = compile(DOCKER);
  t.deepEqual(problems, []);
  t.deepEqual(warnings, []);
  t.is(plan.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(plan.defaultErrnoRet, 1);
  t.deepEqual(plan.architectures, ['x86_64', 'x86', 'x32']);
  t.deepEqual(plan.flags, []);
  t.is(plan.rules.length, DOCKER.syscalls.length);
  const [everyday] = plan.rules;
  t.is(everyday.action, 'SCMP_ACT_ALLOW');
  t.is(everyday.errnoRet, null);
  t.true(everyday.names.includes('read') && everyday.names.length > 300);
  t.is(everyday.pointer, '/linux/seccomp/syscalls/0');
  const personality = plan.rules.filter((r) => r.names[0] === 'personality').map((r) => r.args);
  t.deepEqual(personality.at(-1), [{ index: 0, value: '4294967295', valueTwo: '0', op: 'SCMP_CMP_EQ' }]);
  const clone = plan.rules.find((r) => r.names[0] === 'clone');
  t.deepEqual(clone.args, [{ index: 0, value: '2114060288', valueTwo: '0', op: 'SCMP_CMP_MASKED_EQ' }]);
  const clone3 = plan.rules.find((r) => r.names[0] === 'clone3');
  t.like(clone3, { action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
});

for (const { what, seccomp, want } of [
  { what: 'ERRNO without errnoRet returns EPERM', seccomp: { defaultAction: 'SCMP_ACT_ERRNO' },
    want: { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 } },
  { what: 'TRACE without errnoRet carries EPERM', seccomp: { defaultAction: 'SCMP_ACT_TRACE' },
    want: { defaultAction: 'SCMP_ACT_TRACE', defaultErrnoRet: 1 } },
  { what: 'defaultErrnoRet is kept', seccomp: { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 },
    want: { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 } },
  { what: 'SCMP_ACT_KILL is KILL_THREAD', seccomp: { defaultAction: 'SCMP_ACT_KILL' },
    want: { defaultAction: 'SCMP_ACT_KILL_THREAD', defaultErrnoRet: null } },
  { what: 'ALLOW has no errno', seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
    want: { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: null } },
  { what: 'duplicate architectures and flags are listed once',
    seccomp: { defaultAction: 'SCMP_ACT_LOG', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] },
    want: { architectures: ['x86'], flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] } },
]) {
  test(`default action: ${what}`, (t) => {
    const { plan, problems } = compile(seccomp);
    t.deepEqual(problems, []);
    t.like(plan, want);
  });
}

test('64-bit argument values stay exact (bigint in, decimal string out)', (t) => {
  const { plan, problems } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [
      { index: 1, value: 2n ** 64n - 1n, valueTwo: 2n ** 63n + 1n, op: 'SCMP_CMP_MASKED_EQ' },
    ] }],
  });
  t.deepEqual(problems, []);
  t.deepEqual(plan.rules[0].args, [{ index: 1, value: '18446744073709551615', valueTwo: '9223372036854775809', op: 'SCMP_CMP_MASKED_EQ' }]);
});

test('a rule doing what the default does is left out (as runc does), one with another errno is kept', (t) => {
  const { plan } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['mount'], action: 'SCMP_ACT_ERRNO' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  t.deepEqual(plan.rules.map((r) => [r.names[0], r.pointer]), [['mkdir', '/linux/seccomp/syscalls/1'], ['read', '/linux/seccomp/syscalls/2']]);
  const kill = compile({ defaultAction: 'SCMP_ACT_KILL_THREAD', syscalls: [{ names: ['x'], action: 'SCMP_ACT_KILL' }] });
  t.deepEqual(kill.plan.rules, []);
});

test('conditions on different arguments stay one rule (AND); two on the same argument become two rules (OR)', (t) => {
  const a = (index, value) => ({ index, value, op: 'SCMP_CMP_EQ' });
  const { plan } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      allow(['socket'], { args: [a(0, 1), a(1, 2)] }),
      allow(['personality'], { args: [a(0, 0), a(0, 8)] }),
    ],
  });
  t.deepEqual(plan.rules.map((r) => r.args.map((x) => `${x.index}=${x.value}`)), [['0=1', '1=2'], ['0=0'], ['0=8']]);
  t.deepEqual(plan.rules.map((r) => r.pointer), ['/linux/seccomp/syscalls/0', '/linux/seccomp/syscalls/1', '/linux/seccomp/syscalls/1']);
});

const rule = (extra) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [allow(['mkdir'], extra)] });
const arg = (extra) => rule({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ', ...extra }] });

for (const { what, seccomp, pointer, message } of [
  { what: 'an unknown rule action', seccomp: rule({ action: 'SCMP_ACT_FOO' }),
    pointer: '/linux/seccomp/syscalls/0/action', message: /unknown seccomp action "SCMP_ACT_FOO"/ },
  { what: 'an unknown default action', seccomp: { defaultAction: 'SCMP_ACT_MAYBE' },
    pointer: '/linux/seccomp/defaultAction', message: /unknown seccomp action/ },
  { what: 'an unknown operator', seccomp: arg({ op: 'SCMP_CMP_ALMOST' }),
    pointer: '/linux/seccomp/syscalls/0/args/0/op', message: /unknown seccomp operator "SCMP_CMP_ALMOST"/ },
  { what: 'an unknown architecture', seccomp: { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80'] },
    pointer: '/linux/seccomp/architectures/1', message: /unknown architecture "SCMP_ARCH_Z80"/ },
  { what: 'an unknown flag', seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] },
    pointer: '/linux/seccomp/flags/0', message: /unknown seccomp flag/ },
  { what: 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (it goes with SCMP_ACT_NOTIFY)',
    seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] },
    pointer: '/linux/seccomp/flags/1', message: /WAIT_KILLABLE_RECV needs a rule with the action SCMP_ACT_NOTIFY/ },
  { what: 'argument index 6', seccomp: arg({ index: 6 }),
    pointer: '/linux/seccomp/syscalls/0/args/0/index', message: /between 0 and 5/ },
  { what: 'a negative argument value', seccomp: arg({ value: -1 }),
    pointer: '/linux/seccomp/syscalls/0/args/0/value', message: /between 0 and 18446744073709551615/ },
  { what: 'a fractional valueTwo', seccomp: arg({ valueTwo: 1.5 }),
    pointer: '/linux/seccomp/syscalls/0/args/0/valueTwo', message: /integer/ },
  { what: 'an errnoRet beyond 16 bits', seccomp: rule({ action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }),
    pointer: '/linux/seccomp/syscalls/0/errnoRet', message: /between 0 and 65535/ },
  // The spec: "When the action doesn't support an errno, the runtime MUST print and error and fail" (runc ignores it).
  { what: 'an errnoRet on an ALLOW rule', seccomp: rule({ errnoRet: 5 }),
    pointer: '/linux/seccomp/syscalls/0/errnoRet', message: /SCMP_ACT_ALLOW returns no errno/ },
  { what: 'an empty syscall name', seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [allow(['read', ''])] },
    pointer: '/linux/seccomp/syscalls/0/names/1', message: /must not be empty/ },
  { what: 'SCMP_ACT_NOTIFY with no agent listening at listenerPath', seccomp: { ...rule({ action: 'SCMP_ACT_NOTIFY' }), listenerPath: '/run/no-agent-here.sock' },
    pointer: '/linux/seccomp/listenerPath', message: /no seccomp agent is listening there/ },
  { what: 'SCMP_ACT_NOTIFY as the default without listenerPath', seccomp: { defaultAction: 'SCMP_ACT_NOTIFY' },
    pointer: '/linux/seccomp/listenerPath', message: /is required: a rule has the action SCMP_ACT_NOTIFY/ },
  { what: 'a relative listenerPath', seccomp: { ...rule({ action: 'SCMP_ACT_NOTIFY' }), listenerPath: 'agent.sock' },
    pointer: '/linux/seccomp/listenerPath', message: /must be an absolute path/ },
]) {
  test(`rejected with its pointer: ${what}`, (t) => {
    const { problems } = compile(seccomp);
    t.is(problems.length, 1, JSON.stringify(problems));
    t.is(problems[0].pointer, pointer);
    t.regex(problems[0].message, message);
  });
}

for (const { what, seccomp, pointer } of [
  { what: 'a listenerPath without SCMP_ACT_NOTIFY', seccomp: { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock' },
    pointer: '/linux/seccomp/listenerPath' },
]) {
  test(`accepted with a warning: ${what}`, (t) => {
    const { problems, warnings } = compile(seccomp);
    t.deepEqual(problems, []);
    t.deepEqual(warnings.map((w) => w.pointer), [pointer]);
  });
}

test('compilePlan carries the section and throws ConfigError with the pointer', (t) => {
  const dir = tempDir(t, 'tsrunc-test-plan-');
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const spec = (seccomp) => ({
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'] },
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }], seccomp },
  });
  t.is(compilePlan(spec(undefined), dir, { id: 'x' }).seccomp, null);
  t.is(compilePlan(spec(DOCKER), dir, { id: 'x' }).seccomp.defaultErrnoRet, 1);
  const e = t.throws(() => compilePlan(spec(arg({ op: 'SCMP_CMP_SOMETIMES' })), dir, { id: 'x' }));
  t.is(e.code, 'CONFIG_INVALID');
  t.is(e.pointer, '/linux/seccomp/syscalls/0/args/0/op');
});

test("enosysNames (runc's -ENOSYS stub): every name of the config, none for an allowing default or without architectures", (t) => {
  const errno = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [allow(['read', 'write']), { names: ['read', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] };
  t.deepEqual(compile(errno).plan.enosysNames, ['read', 'write', 'mkdir'], 'the rule that does what the default does counts too');
  t.deepEqual(compile({ ...errno, defaultAction: 'SCMP_ACT_KILL' }).plan.enosysNames, ['read', 'write', 'mkdir']);
  for (const defaultAction of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) {
    t.deepEqual(compile({ ...errno, defaultAction, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }).plan.enosysNames, [], defaultAction);
  }
  t.deepEqual(compile({ ...errno, architectures: [] }).plan.enosysNames, []);
});
