'use strict';
// Docker 20.10 (dockerd + its managed containerd) with the runtime under test as a `runtimes` entry
// of daemon.json, the README's stanza. A private dockerd: own data-root, exec-root, socket and
// pidfile, cgroupfs driver under its own cgroup parent; no iptables rules, no bridge
// (`--iptables=false --bridge=none`): containers run with `--network none`, which still gives
// each one Docker's netns path and its libnetwork-setkey prestart hook.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const h = require('./harness');
const { runsAsOneDaemon } = require('./scenarios');

// the runtimes key: "runc" is dockerd's own built-in name, so the reference gets another one
const NAME = h.RUNTIME_NAME === 'runc' ? 'runc-reference' : h.RUNTIME_NAME;
let w;
let docker;
let cgroupParent;

test.before(async () => {
  h.ensureCommands(['dockerd', 'script', 'busybox']);
  w = h.makeWork('docker');
  cgroupParent = `/tsrunc-clients-docker-${w.tag}`;
  const d = w.dir;
  for (const sub of ['data', 'exec', 'cli']) fs.mkdirSync(path.join(d, sub));
  fs.writeFileSync(path.join(d, 'daemon.json'), JSON.stringify({
    runtimes: { [NAME]: { path: w.wrapper } },
    'default-runtime': NAME,
    'deprecated-key-path': path.join(d, 'key.json'), // 20.10 writes /etc/docker/key.json otherwise
  }, null, 2));
  h.startDaemon(w, 'dockerd', ['dockerd', '--config-file', path.join(d, 'daemon.json'), '--data-root', path.join(d, 'data'),
    '--exec-root', path.join(d, 'exec'), '--pidfile', path.join(d, 'docker.pid'), '-H', `unix://${d}/docker.sock`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
    '--storage-driver', 'overlay2', '--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', cgroupParent]);
  // /usr/bin/docker: Debian's CLI, the one that matches this dockerd
  docker = ['env', `DOCKER_CONFIG=${d}/cli`, '/usr/bin/docker', '-H', `unix://${d}/docker.sock`];
  await h.waitFor(() => h.run(w, [...docker, 'version'], { timeout: 5000 }).code === 0, { timeout: 60000, what: 'dockerd' });
  const load = h.run(w, [...docker, 'load', '-i', h.buildImage(w)], { timeout: 120000 });
  if (load.code !== 0) throw new Error(`docker load: ${load.out}`);
});

test.after.always(async () => {
  if (w && !w.done) await h.teardown(w, [cgroupParent]);
});

test.serial('daemon.json runtimes entry: the default runtime, and its commit line', (t) => {
  const r = h.run(w, [...docker, 'info', '--format', '{{.DefaultRuntime}} {{.RuncCommit.ID}}']);
  t.is(r.code, 0, r.out);
  const [name, commit] = r.out.trim().split(' ');
  t.is(name, NAME);
  t.truthy(commit && commit !== 'N/A', `dockerd parsed no commit: line from --version: ${r.out}`);
});

runsAsOneDaemon(test, {
  get w() {
    return w;
  },
  client: () => docker,
  run: ['run', '--network', 'none'],
  state: (id) => h.run(w, [...docker, 'inspect', '-f', '{{.State.Status}}', id]).out.trim(),
  pid: (id) => Number(h.run(w, [...docker, 'inspect', '-f', '{{.State.Pid}}', id]).out.trim()),
  top: (id) => h.run(w, [...docker, 'top', id]),
  killAll: { argv: ['kill'], status: '137' },
  update: (id) => h.run(w, [...docker, 'update', '--memory', '64m', '--memory-swap', '128m', id]),
  statsShowLimit: /\/ 64MiB/,
});

test.serial('nothing is left behind: no container, state, cgroup, process, mount or iptables rule', async (t) => {
  t.is(h.run(w, [...docker, 'ps', '-aq']).out.trim(), '');
  const states = path.join(w.dir, 'exec');
  const left = fs.readdirSync(states).filter((e) => e.startsWith('runtime-'))
    .flatMap((e) => (fs.existsSync(path.join(states, e, 'moby')) ? fs.readdirSync(path.join(states, e, 'moby')) : []));
  t.deepEqual(left, [], 'runtime state dirs');
  w.done = true;
  t.deepEqual(await h.teardown(w, [cgroupParent]), []);
});
