'use strict';
// runtime.md (and runtime-linux.md): the state, the lifecycle and the operations' errors.
const fs = require('node:fs');
const path = require('node:path');
const { clauses } = require('../lib/clause');

const clause = clauses('runtime.md');

// A loop, not a single command: busybox sh would exec a lone `sleep` and the cmdline would change.
const SLEEP = 'while :; do sleep 1; done';
/** A bind mount of host dir `dir` at /out in the container. */
const outMount = (dir) => ({ destination: '/out', type: 'bind', source: dir, options: ['rbind', 'rw'] });
const withOut = (dir, config) => { config.mounts.push(outMount(dir)); return config; };
const hook = (script) => ({ path: '/bin/sh', args: ['sh', '-c', script] });
const exists = (p) => fs.existsSync(p);

async function createdContainer(c, patch = {}) {
  return c.createShell(SLEEP, patch);
}
async function runningContainer(c, patch = {}) {
  const ct = await createdContainer(c, patch);
  await c.start(ct.id);
  ct.state = await c.waitForStatus(ct.id, 'running');
  return ct;
}

// ------------------------------------------------------------------ State
clause('State', 'REQUIRED', '`ociVersion` (string, REQUIRED) is version of the Open Container Initiative Runtime Specification with which the state complies.',
  'state has ociVersion (SemVer)', async (c) => {
    const { id } = await createdContainer(c);
    const s = await c.state(id);
    c.check(s && /^\d+\.\d+\.\d+/.test(s.ociVersion ?? ''), `state.ociVersion: ${JSON.stringify(s?.ociVersion)}`);
  });

clause('State', 'MUST', '`id` (string, REQUIRED) is the container\'s ID. This MUST be unique across all containers on this host.',
  'state.id is the id given to create', async (c) => {
    const { id } = await createdContainer(c);
    c.equal((await c.state(id))?.id, id, 'state.id');
  });

clause('State', 'REQUIRED', '`pid` (int, REQUIRED when `status` is `created` or `running` on Linux) is the ID of the container process, as seen by the host.',
  'state.pid is the host pid of the container process', async (c) => {
    const { id } = await runningContainer(c);
    const s = await c.state(id);
    const cmdline = fs.readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
    c.equal(cmdline.slice(0, 3), ['sh', '-c', SLEEP], `/proc/${s.pid}/cmdline on the host`);
  });

clause('State', 'REQUIRED', '`bundle` (string, REQUIRED) is the absolute path to the container\'s bundle directory.',
  'state.bundle is the bundle\'s absolute path', async (c) => {
    const { id, bundle } = await createdContainer(c);
    c.equal((await c.state(id))?.bundle, fs.realpathSync(bundle.dir), 'state.bundle');
  });

clause('State', 'OPTIONAL', '`annotations` (map, OPTIONAL) contains the list of annotations associated with the container. If no annotations were provided then this property MAY either be absent or an empty map.',
  'state.annotations are the config\'s annotations', async (c) => {
    const annotations = { 'org.example.conformance': 'yes', 'com.example.n': '42' };
    const { id } = await createdContainer(c, { annotations });
    const got = (await c.state(id))?.annotations ?? {};
    c.equal(Object.keys(got).sort().map((k) => [k, got[k]]), Object.entries(annotations).sort(), 'state.annotations');
  });

// ------------------------------------------------------------------ Lifecycle
clause('Lifecycle', 'MUST NOT', 'While the resources requested in the `config.json` MUST be created, the user-specified program (from `process`) MUST NOT be run at this time.',
  'create does not run process.args', async (c) => {
    const dir = c.hostDir('out');
    await c.create((cfg) => { withOut(dir, cfg); cfg.process.args = ['sh', '-c', 'echo ran > /out/ran']; });
    await new Promise((r) => setTimeout(r, 300));
    c.check(!exists(path.join(dir, 'ran')), 'the process ran during create');
  });

clause('Lifecycle', 'MUST NOT', 'Any updates to `config.json` after this step MUST NOT affect the container.',
  'config.json edited after create is not used by start', async (c) => {
    const dir = c.hostDir('out');
    const { id, bundle } = await c.create((cfg) => {
      withOut(dir, cfg);
      cfg.hostname = 'before';
      cfg.process.args = ['sh', '-c', 'hostname > /out/seen'];
    });
    const edited = { ...bundle.config, hostname: 'after', process: { ...bundle.config.process, args: ['sh', '-c', 'echo edited > /out/seen'] } };
    fs.writeFileSync(path.join(bundle.dir, 'config.json'), JSON.stringify(edited));
    await c.start(id);
    await c.waitFor(() => exists(path.join(dir, 'seen')), 'the process to write /out/seen');
    await new Promise((r) => setTimeout(r, 100));
    c.equal(fs.readFileSync(path.join(dir, 'seen'), 'utf8').trim(), 'before', 'what the container saw');
  });

for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer']) {
  clause('Lifecycle', 'MUST', `If any \`${kind}\` hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.`,
    `a failing ${kind} hook: error, container stopped and destroyed`, async (c) => {
      const bundle = c.bundle((cfg) => { cfg.process.args = ['sh', '-c', SLEEP]; cfg.hooks = { [kind]: [hook('exit 3')] }; });
      const id = c.id();
      const created = await c.rt(['create', '--bundle', bundle.dir, id]);
      const started = created.code === 0 ? await c.rt(['start', id]) : created;
      c.check(started.code !== 0, 'create and start both succeeded');
      const s = await c.state(id);
      c.check(!s || s.status === 'stopped', `the container is still ${s?.status} (pid ${s?.pid})`);
    });
}

clause('Lifecycle', 'MUST', 'If any `poststart` hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.',
  'a failing poststart hook (1.3): start fails, later hooks do not run, the container is stopped', async (c) => {
    const dir = c.hostDir('out');
    const { id } = await createdContainer(c, { hooks: { poststart: [hook('exit 3'), hook(`touch ${dir}/second`)] } });
    const r = await c.rt(['start', id]);
    c.check(r.code !== 0, 'start succeeded');
    c.check(!exists(path.join(dir, 'second')), 'the next poststart hook ran');
    const s = await c.state(id);
    c.check(!s || s.status === 'stopped', `the container is still ${s?.status} (pid ${s?.pid})`);
  }, { note: 'runtime-spec 1.3 changed this rule (1.0-1.2: log a warning and continue). runc 1.1 runs poststart hooks during `create`, before the user process is executed; runc 1.2+ and tsrunc run them after the exec and stop the container when one fails.' });

clause('Lifecycle', 'MUST', 'If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.',
  'a failing poststop hook only warns: delete succeeds, later hooks run', async (c) => {
    const dir = c.hostDir('out');
    const { id } = await c.create((cfg) => { cfg.process.args = ['true']; cfg.hooks = { poststop: [hook('exit 3'), hook(`touch ${dir}/second`)] }; });
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    const r = await c.rt(['delete', id]);
    c.check(r.code === 0, `delete failed (${r.exit}): ${r.stderr.trim()}`);
    c.check(exists(path.join(dir, 'second')), 'the next poststop hook did not run');
    c.check(!(await c.state(id)), 'the container still exists after delete');
   }, { note: 'Intermittent on crun 1.8: it can die of SIGPIPE writing the state to a hook that exits without reading it.' });

// ------------------------------------------------------------------ Errors
clause('Errors', 'MUST', 'Unless otherwise stated, generating an error MUST leave the state of the environment as if the operation were never attempted - modulo any possible trivial ancillary changes such as logging.',
  'a failed create leaves no container and the id free', async (c) => {
    const id = c.id();
    const bad = c.bundle({ mounts: [{ destination: '/data', type: 'bind', source: '/nonexistent/conformance', options: ['bind'] }] });
    const r = await c.rt(['create', '--bundle', bad.dir, id]);
    c.check(r.code !== 0, 'create with a missing bind source succeeded');
    c.check(!(await c.state(id)), 'state still knows the container');
    const list = await c.rt(['list', '--quiet']);
    c.check(!list.stdout.split('\n').includes(id), 'list still shows the container');
    const again = await c.rt(['create', '--bundle', c.bundle().dir, id]);
    c.check(again.code === 0, `the id cannot be reused: ${again.stderr.trim()}`);
  });

// ------------------------------------------------------------------ Operations
for (const op of ['state', 'start', 'kill', 'delete']) {
  clause({ state: 'Query State', start: 'Start', kill: 'Kill', delete: 'Delete' }[op], 'MUST', `This operation MUST generate an error if it is not provided the ${op === 'state' ? 'ID of a container' : 'container ID'}.`,
    `${op} without an id fails`, async (c) => {
      c.check((await c.rt([op])).code !== 0, `\`${op}\` without an id exited 0`);
    });
}

clause('Query State', 'MUST', 'Attempting to query a container that does not exist MUST generate an error.',
  'state of an unknown id fails', async (c) => {
    const r = await c.rt(['state', c.id('nope')]);
    c.check(r.code !== 0, 'state of an unknown container exited 0');
  });

clause('Query State', 'MUST', 'This operation MUST return the state of a container as specified in the State section.',
  'state validates against the spec\'s state schema', async (c) => {
    const { id } = await createdContainer(c, { annotations: { 'org.example.k': 'v' } });
    const s = await c.state(id);
    const missing = ['ociVersion', 'id', 'status', 'pid', 'bundle'].filter((k) => s?.[k] === undefined);
    c.check(missing.length === 0, `state lacks ${missing.join(', ')}`);
    c.check(['creating', 'created', 'running', 'stopped'].includes(s.status), `status ${s.status}`);
    c.check(Number.isInteger(s.pid) && s.pid > 0, `pid ${s.pid}`);
  });

clause('Create', 'MUST', 'This operation MUST generate an error if it is not provided a path to the bundle and the container ID to associate with the container.',
  'create without an id fails', async (c) => {
    const r = await c.rt(['create', '--bundle', c.bundle().dir]);
    c.check(r.code !== 0, 'create without an id exited 0');
  });

clause('Create', 'MUST', 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.',
  'create with an id in use fails and leaves the first container alone', async (c) => {
    const { id } = await createdContainer(c);
    const before = await c.state(id);
    const r = await c.rt(['create', '--bundle', c.bundle().dir, id]);
    c.check(r.code !== 0, 'a second create with the same id succeeded');
    const after = await c.state(id);
    c.equal([after?.status, after?.pid], [before.status, before.pid], 'first container (status, pid)');
  });

clause('Create', 'MUST', 'If the runtime cannot create the container as specified in `config.json`, it MUST generate an error and a new container MUST NOT be created.',
  'create with an unknown filesystem type fails, no container', async (c) => {
    const id = c.id();
    const b = c.bundle({ mounts: [{ destination: '/x', type: 'conformancefs', source: 'none' }] });
    const r = await c.rt(['create', '--bundle', b.dir, id]);
    c.check(r.code !== 0, 'create succeeded');
    c.check(!(await c.state(id)), 'a container exists after the failed create');
  });

clause('Create', 'MUST', 'Upon successful completion of this operation the `status` property of this container MUST be `created`.',
  'status is created after create', async (c) => {
    const { id } = await createdContainer(c);
    c.equal((await c.state(id))?.status, 'created', 'status');
  });

clause('Start', 'MUST', 'Attempting to start a container that does not exist MUST generate an error.',
  'start of an unknown id fails', async (c) => {
    c.check((await c.rt(['start', c.id('nope')])).code !== 0, 'start of an unknown container exited 0');
  });

clause('Start', 'MUST', 'Attempting to start an already started container MUST have no effect on the container and MUST generate an error.',
  'a second start fails and leaves the container running', async (c) => {
    const { id, state } = await runningContainer(c);
    c.check((await c.rt(['start', id])).code !== 0, 'second start exited 0');
    const s = await c.state(id);
    c.equal([s?.status, s?.pid], ['running', state.pid], '(status, pid) after the second start');
  });

clause('Start', 'MUST', 'This operation MUST run the user-specified program as specified by `process`.',
  'start runs process.args', async (c) => {
    const dir = c.hostDir('out');
    const { id } = await c.create((cfg) => { withOut(dir, cfg); cfg.process.args = ['sh', '-c', 'echo "$0 $1" > /out/ran', 'a', 'b']; });
    await c.start(id);
    await c.waitFor(() => exists(path.join(dir, 'ran')), 'the program to run');
    await c.waitForStatus(id, 'stopped');
    c.equal(fs.readFileSync(path.join(dir, 'ran'), 'utf8'), 'a b\n', 'what the program wrote');
  });

clause('Start', 'MUST', 'Upon successful completion of this operation the `status` property of this container MUST be `running`.',
  'status is running after start', async (c) => {
    const { id } = await createdContainer(c);
    await c.start(id);
    c.equal((await c.state(id))?.status, 'running', 'status right after start');
  });

clause('Kill', 'MUST', 'This operation MUST send the specified signal to the process in the container.',
  'kill delivers the signal to the container process', async (c) => {
    const dir = c.hostDir('out');
    const { id } = await c.create((cfg) => {
      withOut(dir, cfg);
      cfg.process.args = ['sh', '-c', 'trap "echo USR1 > /out/got; exit 0" USR1; touch /out/ready; while :; do sleep 0.1; done'];
    });
    await c.start(id);
    await c.waitFor(() => exists(path.join(dir, 'ready')), 'the trap to be set');
    const r = await c.rt(['kill', id, 'USR1']);
    c.check(r.code === 0, `kill failed: ${r.stderr.trim()}`);
    await c.waitFor(() => exists(path.join(dir, 'got')), 'the process to get SIGUSR1', 5000);
  });

clause('Kill', 'MUST', 'Attempting to send a signal to a container that is not running MUST have no effect on the container and MUST generate an error.',
  'kill of a stopped container fails', async (c) => {
    const { id } = await c.create((cfg) => { cfg.process.args = ['true']; });
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    c.check((await c.rt(['kill', id, 'KILL'])).code !== 0, 'kill of a stopped container exited 0');
    c.equal((await c.state(id))?.status, 'stopped', 'status after the kill');
  });

clause('Kill', 'MUST', 'When the process in the container is stopped, irrespective of it being as a result of a `kill` operation or any other reason, the `status` property of this container MUST be `stopped`.',
  'status is stopped after the process is killed', async (c) => {
    const { id } = await runningContainer(c);
    await c.rt(['kill', id, 'KILL']);
    await c.waitForStatus(id, 'stopped');
  });

clause('Delete', 'MUST', 'Attempting to delete a container that does not exist MUST generate an error.',
  'delete of an unknown id fails', async (c) => {
    c.check((await c.rt(['delete', c.id('nope')])).code !== 0, 'delete of an unknown container exited 0');
  });

clause('Delete', 'MUST', 'Attempting to delete a container whose process is still running MUST generate an error.',
  'delete of a running container fails and leaves it running', async (c) => {
    const { id, state } = await runningContainer(c);
    c.check((await c.rt(['delete', id])).code !== 0, 'delete of a running container exited 0');
    const s = await c.state(id);
    c.equal([s?.status, s?.pid], ['running', state.pid], '(status, pid) after the refused delete');
  });

clause('Delete', 'MUST', 'Attempting to delete a container whose process is still running MUST generate an error.',
  'delete of a created container (its process exists, waiting for start) fails', async (c) => {
    const { id } = await createdContainer(c);
    c.check((await c.rt(['delete', id])).code !== 0, 'delete of a created container exited 0 (and removed it)');
  }, { deliberate: true, note: 'runc deletes a `created` container (killing its waiting process) and tsrunc keeps that on purpose: containerd and other clients delete containers that were created but never started (a failed task start, a cancelled pod) and expect it to succeed.' });

clause('Delete', 'MUST', 'Deleting a container MUST delete the resources that were created during the `create` step.',
  'delete removes the container, its process and its cgroup', async (c) => {
    const { id } = await c.create((cfg) => { cfg.process.args = ['true']; });
    const { pid } = await c.state(id);
    // The cgroups the container got that its caller is not in: the ones create made.
    const mine = new Set(fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n'));
    const cgroups = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').filter((l) => !mine.has(l))
      .map((l) => l.split(':')).filter(([, , p]) => p !== '/')
      .map(([, ctrls, p]) => path.join('/sys/fs/cgroup', ctrls === '' ? (fs.existsSync('/sys/fs/cgroup/unified') ? 'unified' : '') : ctrls.split(',')[0], p));
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    const r = await c.rt(['delete', id]);
    c.check(r.code === 0, `delete failed: ${r.stderr.trim()}`);
    c.check(!(await c.state(id)), 'state still knows the container');
    const left = cgroups.filter((d) => exists(d));
    c.check(left.length === 0, `cgroups left: ${left.join(', ')}`);
  });

clause('Delete', 'MUST NOT', 'Note that resources associated with the container, but not created by this container, MUST NOT be deleted.',
  'delete leaves a bind-mounted host directory and its files', async (c) => {
    const dir = c.hostDir('volume');
    fs.writeFileSync(path.join(dir, 'keep'), 'data');
    const { id } = await c.create((cfg) => { withOut(dir, cfg); cfg.process.args = ['true']; });
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    await c.rt(['delete', id]);
    c.check(exists(path.join(dir, 'keep')) && fs.readFileSync(path.join(dir, 'keep'), 'utf8') === 'data', 'the host file is gone or changed');
  });

clause('Delete', 'MAY', 'Once a container is deleted its ID MAY be used by a subsequent container.',
  'an id can be reused after delete', async (c) => {
    const { id } = await c.create((cfg) => { cfg.process.args = ['true']; });
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    await c.rt(['delete', id]);
    const r = await c.rt(['create', '--bundle', c.bundle().dir, id]);
    c.check(r.code === 0, `create with the deleted id failed: ${r.stderr.trim()}`);
  });

// runtime-linux.md
const linux = clauses('runtime-linux.md');
linux('Dev symbolic links', 'MUST', 'While creating the container (step 2 in the lifecycle), runtimes MUST create the following symlinks if the source file exists after processing `mounts`: /proc/self/fd -> /dev/fd, /proc/self/fd/0 -> /dev/stdin, /proc/self/fd/1 -> /dev/stdout, /proc/self/fd/2 -> /dev/stderr',
  '/dev/fd, /dev/stdin, /dev/stdout, /dev/stderr are the symlinks', async (c) => {
    const links = { '/dev/fd': '/proc/self/fd', '/dev/stdin': '/proc/self/fd/0', '/dev/stdout': '/proc/self/fd/1', '/dev/stderr': '/proc/self/fd/2' };
    const p = await c.probe({}, Object.keys(links).flatMap((l) => ['-s', l]));
    for (const [l, target] of Object.entries(links)) c.equal([p.stats[l].type, p.stats[l].target], ['l', target], l);
  });

module.exports = [...clause.list, ...linux.list];
