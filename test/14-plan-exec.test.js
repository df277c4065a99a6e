'use strict';
// The pure pieces of `exec`: the process object built from the container's, a --process file and
// the flags (runc 1.1's rules), and its compilation into an ExecPlan. No root needed; what the
// exec'd process sees is tested in 34-exec.
const test = require('ava');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { compileExec, TsruncError, ConfigError } = require('tsrunc');
const { execProcess, mergeEnv } = require('tsrunc/internal');

const config = () => ({
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  process: {
    args: ['sleep', '1000'], cwd: '/', env: ['PATH=/bin', 'A=1'], terminal: true,
    user: { uid: 0, gid: 0 },
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  },
  linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'network', path: '/proc/self/ns/net' }] },
});
const target = { id: 'x', pid: 42, pidStartTime: '7', cgroups: ['/sys/fs/cgroup/x'] };

test('the container\'s process with the command line\'s args; terminal only with --tty (runc)', (t) => {
  const p = execProcess(config(), { args: ['ls', '-l'] });
  t.deepEqual(p.args, ['ls', '-l']);
  t.is(p.terminal, false);
  t.deepEqual(p.env, ['PATH=/bin', 'A=1']);
  t.is(execProcess(config(), { args: ['sh'], tty: true }).terminal, true);
});

test('flags: env appended with the last of a name winning, user, gids, caps never inheritable', (t) => {
  const p = execProcess(config(), { args: ['sh'], env: ['A=2', 'B=3'], user: '1000:1001', additionalGids: ['5', 6], caps: ['CAP_CHOWN'], noNewPrivs: true, cwd: '/tmp' });
  t.deepEqual(p.env, ['PATH=/bin', 'A=2', 'B=3']);
  t.deepEqual(p.user, { uid: 1000, gid: 1001, additionalGids: [5, 6] });
  t.deepEqual(p.capabilities.bounding, ['CAP_KILL', 'CAP_CHOWN']);
  t.deepEqual(p.capabilities.ambient, ['CAP_CHOWN']);
  t.is(p.capabilities.inheritable, undefined);
  t.true(p.noNewPrivileges);
  t.is(p.cwd, '/tmp');
  t.deepEqual(mergeEnv(['X=1', 'Y=2', 'X=3']), ['X=3', 'Y=2']);
});

test('--process: the file\'s object, explicit flags on top; schema problems named by pointer', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-exec-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'process.json');
  fs.writeFileSync(file, JSON.stringify({ args: ['id'], cwd: '/', env: ['PATH=/bin'], user: { uid: 5, gid: 5 }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 18446744073709551615n.toString() }] }).replace('"18446744073709551615"', '18446744073709551615'));
  const p = execProcess(config(), { processFile: file, env: ['B=1'] });
  t.deepEqual(p.args, ['id']);
  t.deepEqual(p.env, ['PATH=/bin', 'B=1']);
  t.is(p.terminal, undefined);
  t.is(p.rlimits[0].hard, 18446744073709551615n, '64-bit values stay exact');
  fs.writeFileSync(file, '{"args": "id", "cwd": "/"}');
  const e = t.throws(() => execProcess(config(), { processFile: file }), { instanceOf: TsruncError });
  t.is(e.pointer, '/process/args');
  t.throws(() => execProcess(config(), { processFile: path.join(dir, 'missing.json') }), { message: /--process .*missing\.json/ });
});

test('--process: a file of the wrong shape is a typed error naming the field, before any flag is laid over it (fuzz finds)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-exec-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'process.json');
  const refuse = (text, flags, pointer, message) => {
    fs.writeFileSync(file, text);
    const e = t.throws(() => execProcess(config(), { processFile: file, ...flags }), { instanceOf: TsruncError });
    t.is(e.pointer, pointer, e.message);
    t.regex(e.message, message);
  };
  // env an object: merging the flags' env into it threw "TypeError: env is not iterable".
  refuse('{"args": ["id"], "cwd": "/", "env": {"A": "1"}}', {}, '/process/env', /\/process\/env: must be array/);
  refuse('{"args": ["id"], "cwd": "/", "capabilities": "CAP_KILL"}', { caps: ['CAP_CHOWN'] }, '/process/capabilities', /must be object/);
  refuse('null', { env: ['A=1'] }, '', /--process .*: must be a JSON object .*got null/);
  refuse('[1]', {}, '', /got an array/);
  // 2^64 fits no field; the schema alone sees only the rounded double.
  refuse('{"args": ["id"], "cwd": "/", "rlimits": [{"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551616}]}', {}, '/process/rlimits/0/hard', /does not fit in 64 bits/);
  // A duplicate key is the process file's problem, not "invalid config.json".
  refuse('{"args": ["id"], "cwd": "/", "cwd": "/tmp"}', {}, '', /^--process .*process\.json: invalid JSON at line 1, column \d+: Duplicate key/);
  refuse('['.repeat(100000) + ']'.repeat(100000), {}, '', /Nesting deeper than 256 levels/);
  // args and cwd may still come from the command line.
  fs.writeFileSync(file, '{"env": ["A=1"]}');
  t.deepEqual(execProcess(config(), { processFile: file, args: ['id'], cwd: '/' }).args, ['id']);
});

test('runc\'s refusals of a process, in its words', (t) => {
  t.throws(() => execProcess(config(), { args: [] }), { message: 'process args cannot be empty' });
  t.throws(() => execProcess(config(), { args: ['sh'], cwd: 'tmp' }), { message: 'Cwd must be an absolute path' });
  t.throws(() => execProcess(config(), { args: ['sh'], user: 'root' }), { message: 'parsing root as int for uid failed' });
  t.throws(() => execProcess(config(), { args: ['sh'], additionalGids: ['x'] }), { message: 'parsing x as int for additional gid failed' });
});

test('compileExec: every namespace of the config (created or joined), the process plan, the container\'s seccomp', (t) => {
  const spec = config();
  spec.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
  const plan = compileExec(spec, execProcess(spec, { args: ['sh'], tty: true }), target, { lsm: { apparmor: false, selinux: false } });
  const CLONE_NEWNS = 0x20000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
  t.is(plan.namespaces, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET);
  t.deepEqual([plan.pid, plan.pidStartTime, plan.cgroups], [42, '7', ['/sys/fs/cgroup/x']]);
  t.true(plan.process.terminal);
  t.deepEqual(plan.process.args, ['sh']);
  t.is(plan.seccomp.rules[0].names[0], 'mkdir');
  t.is(plan.personality, null);
});

test('compileExec: a bad process field is a ConfigError naming it', (t) => {
  const spec = config();
  const p = execProcess(spec, { args: ['sh'] });
  p.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }];
  const e = t.throws(() => compileExec(spec, p, target, { lsm: { apparmor: false, selinux: false } }), { instanceOf: ConfigError });
  t.is(e.pointer, '/process/rlimits/0/type');
});

test('compileExec: a container whose filter notifies a seccomp agent keeps the listener (the exec\'s notify fd goes to the agent too)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-exec-'));
  const agent = require('node:net').createServer();
  const socket = path.join(dir, 'agent.sock');
  await new Promise((resolve) => agent.listen(socket, resolve));
  t.teardown(() => { agent.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const spec = config();
  spec.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
  const plan = compileExec(spec, execProcess(spec, { args: ['sh'] }), target, { lsm: { apparmor: false, selinux: false } });
  t.deepEqual(plan.seccomp.listener, { path: socket, metadata: '' });
});
