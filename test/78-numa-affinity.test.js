'use strict';
// linux.memoryPolicy (runtime-spec 1.3: set_mempolicy for the container process) and CPU affinity
// (process.execCPUAffinity of runtime-spec 1.2.1 for exec; no process inherits the runtime's own
// affinity, as runc 1.4), asserted from /proc inside the container and on the host.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, RUNTIME } = require('./helpers/runtime');

// runc 1.1.5 predates both fields (runc 1.3 has memoryPolicy... 1.4, execCPUAffinity 1.2).
const tsruncOnly = isTsrunc ? test : test.skip;
const NUMA = fs.existsSync('/proc/self/numa_maps');
const CPUS = Number(/^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1].split('-').pop()) + 1;
const FIRST_LINE = 'head -n 1 /proc/self/numa_maps';

(NUMA && isTsrunc ? test : test.skip)('memoryPolicy: each mode is the policy of the container process (numa_maps)', async (t) => {
  const rt = useRuntime(t);
  const cases = [
    [{ mode: 'MPOL_BIND', nodes: '0' }, / bind:0 /],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }, / bind=static:0 /],
    [{ mode: 'MPOL_INTERLEAVE', nodes: '0' }, / interleave:0 /],
    [{ mode: 'MPOL_PREFERRED', nodes: '0' }, / prefer:0 /],
    [{ mode: 'MPOL_LOCAL' }, / local /],
    [{ mode: 'MPOL_DEFAULT' }, / default /],
  ];
  for (const [policy, expected] of cases) {
    const out = await rt.output((c) => { c.linux.memoryPolicy = policy; c.process.args = ['sh', '-c', FIRST_LINE]; });
    t.regex(out, expected, JSON.stringify(policy));
  }
  // An exec'd process gets the container's policy too.
  const { id } = await rt.startContainer((c) => { c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' }; c.process.args = ['sleep', '60']; });
  const r = await rt.runtime(['exec', id, 'sh', '-c', FIRST_LINE]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, / interleave:0 /);
});

tsruncOnly('memoryPolicy: bad modes, nodes and flags are refused at create, naming the field, nothing left', async (t) => {
  const rt = useRuntime(t);
  const cases = [
    [{ mode: 'MPOL_BIND', nodes: '4000' }, /\/linux\/memoryPolicy\/nodes: no node of \W*4000\W* is online/],
    [{ mode: 'MPOL_BIND' }, /\/linux\/memoryPolicy\/nodes: MPOL_BIND needs at least one memory node/],
    [{ mode: 'MPOL_DEFAULT', nodes: '0' }, /\/linux\/memoryPolicy\/nodes: MPOL_DEFAULT takes no nodes/],
    [{ mode: 'MPOL_BIND', nodes: '0-x' }, /\/linux\/memoryPolicy\/nodes/],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }, /\/linux\/memoryPolicy\/flags/],
    [{ mode: 'MPOL_NOPE' }, /\/linux\/memoryPolicy\/mode/],
    // The kernel's own refusal (balancing is for MPOL_BIND only), reported by the init at create.
    [{ mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] }, /set_mempolicy.*\/linux\/memoryPolicy|\/linux\/memoryPolicy.*set_mempolicy/],
  ];
  for (const [policy, expected] of cases) {
    const bundle = rt.makeBundle((c) => { c.linux.memoryPolicy = policy; });
    const id = rt.id('mpol');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0, JSON.stringify(policy));
    t.regex(r.stderr, expected, JSON.stringify(policy));
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
  }
});

/** Cpus_allowed_list of the first line a container prints. */
const allowed = (out) => /Cpus_allowed_list:\s*(\S+)/.exec(out)?.[1];

// runc 1.1.5 passes its affinity on (Linux 6.2+ keeps it across the cgroup move); runc 1.4 resets it.
(CPUS > 1 && isTsrunc ? test : test.skip)('a container does not inherit the runtime\'s CPU affinity (taskset -c 0 tsrunc run)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => { c.process.args = ['grep', 'Cpus_allowed_list', '/proc/self/status']; });
  const id = rt.id('aff');
  const out = await new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', RUNTIME, '--root', rt.root, 'run', '--bundle', bundle.dir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  t.is(allowed(out), `0-${CPUS - 1}`, out);
});

(CPUS > 1 && isTsrunc ? test : test.skip)('exec: execCPUAffinity.final is the process\'s affinity; without one it has every CPU, not the runtime\'s', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer((c) => { c.process.args = ['sleep', '600']; });
  const dir = rt.hostDir('proc');
  const exec = async (affinity, prefix = []) => {
    const file = `${dir}/p${Math.random().toString(36).slice(2)}.json`;
    fs.writeFileSync(file, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', env: ['PATH=/bin'], execCPUAffinity: affinity }));
    return new Promise((resolve) => {
      const child = spawn(prefix[0] ?? RUNTIME, [...prefix.slice(1), ...(prefix.length ? [RUNTIME] : []), '--root', rt.root, 'exec', '-p', file, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = ''; let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.on('close', (code) => resolve({ code, out, err }));
    });
  };
  const last = CPUS - 1;
  const final = await exec({ initial: '0', final: String(last) });
  t.is(final.code, 0, final.err);
  t.is(allowed(final.out), String(last));
  const initialOnly = await exec({ initial: '0' }, ['taskset', '-c', '0']);
  t.is(initialOnly.code, 0, initialOnly.err);
  t.is(allowed(initialOnly.out), `0-${last}`, 'no final: every CPU of the cpuset, not initial nor the runtime\'s');
  const bad = await exec({ final: '1-0' });
  t.not(bad.code, 0);
  t.regex(bad.err, /\/process\/execCPUAffinity\/final/);
});
