'use strict';
// Error messages are an interface: container engines read the runtime's last error and decide by the
// substrings in it. Each test here applies one client's rule (transcribed from its source) to what the
// runtime says, side by side with runc (RUNTIME=runc passes every one):
//   containerd  kill: "container not running" -> process already finished, "does not exist" -> no such
//               container; delete: "does not exist" -> already gone (pkg/process/utils.go, init.go)
//   podman      state: "does not exist" or "not found" -> the container exited (oci_conmon_linux.go);
//               a start error with "permission denied"/"operation not permitted" -> exit 126,
//               "executable file not found in"/"no such file or directory" -> 127 (getOCIRuntimeError)
//   Docker      start error naming the command with "executable file not found" or "no such file or
//               directory" -> exit 127; "permission denied" -> 126 (translateContainerdStartErr)
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');

const containerdKill = (msg) => (/container not running|no such process|os: process already finished/i.test(msg) ? 'process already finished'
  : msg.includes('does not exist') ? 'no such container' : 'unknown error');
const containerdDeleteIgnores = (msg) => msg.includes('does not exist');
const podmanStateGone = (msg) => msg.includes('does not exist') || msg.includes('not found');
const podmanExit = (msg) => (/permission denied|operation not permitted/i.test(msg) ? 126
  : /executable file not found in|no such file or directory/i.test(msg) ? 127 : 'other');
const dockerExit = (msg, cmd) => {
  const m = msg.toLowerCase();
  if (m.includes(cmd.toLowerCase()) && (m.includes('executable file not found') || m.includes('no such file or directory'))) return 127;
  if (m.includes('permission denied')) return 126;
  return 'other';
};

/** The message a client reads: the msg of the runtime's last error line (containerd reads --log json). */
function lastError(stderr) {
  const lines = stderr.split('\n').filter((l) => /level=error/.test(l));
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(lines[lines.length - 1] ?? '');
  return m ? JSON.parse(`"${m[1]}"`) : stderr;
}

test('containerd: kill, delete and state of a container that does not exist say "does not exist"', async (t) => {
  const rt = useRuntime(t);
  for (const args of [['kill', 'nope', 'KILL'], ['kill', '--all', 'nope', 'KILL'], ['delete', 'nope'], ['state', 'nope']]) {
    const r = await rt.runtime(args);
    t.is(r.code, 1, args.join(' '));
    const msg = lastError(r.stderr);
    if (args[0] === 'kill') t.is(containerdKill(msg), 'no such container', msg);
    if (args[0] === 'delete') t.true(containerdDeleteIgnores(msg), msg);
    t.true(podmanStateGone(msg), `podman's rule: ${msg}`);
  }
});

test('containerd: kill of a stopped container says "container not running" (process already finished)', async (t) => {
  const rt = useRuntime(t);
  const { id } = await rt.startContainer({ process: { args: ['true'] } }, { until: 'stopped' });
  for (const signal of ['KILL', 'TERM', '0']) {
    const r = await rt.runtime(['kill', id, signal]);
    t.is(r.code, 1);
    t.is(containerdKill(lastError(r.stderr)), 'process already finished', r.stderr);
  }
});

// The process a container is started with, the answer Docker and podman give (exit status of `docker
// run` / `podman run`), and the exec of the same into a running container (`docker exec` maps alike).
const CASES = [
  { args: ['no-such-program'], exit: 127, what: 'a program not in PATH' },
  { args: ['/no/such/program'], exit: 127, what: 'a path that does not exist' },
  { args: ['/etc/passwd'], exit: 126, what: 'a file that is not executable' },
  { args: ['/etc'], exit: 126, what: 'a directory' },
];

for (const c of CASES) {
  test(`Docker and podman map the runtime's error for ${c.what} to exit ${c.exit} (run and exec)`, async (t) => {
    const rt = useRuntime(t);
    const run = await rt.run({ process: { args: c.args } });
    t.not(run.code, 0);
    const msg = lastError(run.stderr);
    t.is(dockerExit(msg, c.args[0]), c.exit, `Docker's rule: ${msg}`);
    t.is(podmanExit(msg), c.exit, `podman's rule: ${msg}`);

    const { id } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
    const exec = await rt.runtime(['exec', id, ...c.args]);
    t.is(exec.code, 255);
    const execMsg = lastError(exec.stderr);
    t.is(dockerExit(execMsg, c.args[0]), c.exit, `Docker's rule: ${execMsg}`);
    t.is(podmanExit(execMsg), c.exit, `podman's rule: ${execMsg}`);
  });
}
