'use strict';
// Docker 20.10 with `userns-remap: "default"` and the runtime under test: dockerd makes its
// "dockremap" user (useradd, with /etc/subuid and /etc/subgid ranges) and runs every container
// in a user namespace mapping root to that range. A private dockerd as in docker.test.js; the
// user and the ranges it added are removed afterwards.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const h = require('./harness');

const NAME = h.RUNTIME_NAME === 'runc' ? 'runc-reference' : h.RUNTIME_NAME;
const ID_FILES = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow', '/etc/subuid', '/etc/subgid'];
let w;
let docker;
let cgroupParent;
let idFilesBefore;
let hadRemapUser;

test.before(async () => {
  h.ensureCommands(['dockerd', 'busybox']);
  hadRemapUser = execFileSync('getent', ['passwd'], { encoding: 'utf8' }).split('\n').some((l) => l.startsWith('dockremap:'));
  idFilesBefore = Object.fromEntries(ID_FILES.filter((f) => fs.existsSync(f)).map((f) => [f, fs.readFileSync(f)]));
  w = h.makeWork('docker-userns');
  // The remapped root reaches the image layers under data-root: every directory above it is traversable.
  fs.chmodSync(w.dir, 0o711);
  cgroupParent = `/tsrunc-clients-docker-userns-${w.tag}`;
  const d = w.dir;
  for (const sub of ['data', 'exec', 'cli']) fs.mkdirSync(path.join(d, sub));
  fs.writeFileSync(path.join(d, 'daemon.json'), JSON.stringify({
    runtimes: { [NAME]: { path: w.wrapper } },
    'default-runtime': NAME,
    'userns-remap': 'default',
    'deprecated-key-path': path.join(d, 'key.json'),
  }, null, 2));
  h.startDaemon(w, 'dockerd', ['dockerd', '--config-file', path.join(d, 'daemon.json'), '--data-root', path.join(d, 'data'),
    '--exec-root', path.join(d, 'exec'), '--pidfile', path.join(d, 'docker.pid'), '-H', `unix://${d}/docker.sock`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
    '--storage-driver', 'overlay2', '--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', cgroupParent]);
  docker = ['env', `DOCKER_CONFIG=${d}/cli`, '/usr/bin/docker', '-H', `unix://${d}/docker.sock`];
  await h.waitFor(() => h.run(w, [...docker, 'version'], { timeout: 5000 }).code === 0, { timeout: 60000, what: 'dockerd' });
  const load = h.run(w, [...docker, 'load', '-i', h.buildImage(w)], { timeout: 120000 });
  if (load.code !== 0) throw new Error(`docker load: ${load.out}`);
});

test.after.always(async () => {
  if (w && !w.done) await h.teardown(w, [cgroupParent]);
  if (!hadRemapUser) {
    try { execFileSync('userdel', ['dockremap'], { stdio: 'ignore' }); } catch { /* not made */ }
    for (const [file, content] of Object.entries(idFilesBefore ?? {})) fs.writeFileSync(file, content);
  }
});

/** The range dockerd gave dockremap: its first /etc/subuid line. */
function remapRange() {
  const line = fs.readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith('dockremap:'));
  return line ? line.split(':').slice(1).map(Number) : undefined;
}

test.serial('--userns-remap=default: root inside is the start of dockremap\'s range outside; output and exit code reach the user', (t) => {
  const r = h.run(w, [...docker, 'run', '--rm', '--network', 'none', h.IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map; echo x > /dev/null; exit 3']);
  t.is(r.code, 3, r.out);
  const [uid, map] = r.out.trim().split('\n');
  t.is(uid, '0');
  const range = remapRange();
  t.truthy(range, 'dockerd made dockremap with a subordinate range');
  t.deepEqual(map.trim().split(/\s+/).map(Number), [0, range[0], range[1]]);
  const st = fs.statSync('/dev/null');
  t.deepEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o666]);
});

test.serial('--userns-remap: run -d and exec share the container\'s user namespace; the init is the remapped uid on the host', (t) => {
  const id = `remap-${w.tag}`;
  t.teardown(() => h.run(w, [...docker, 'rm', '-f', id]));
  t.is(h.run(w, [...docker, 'run', '-d', '--network', 'none', '--name', id, h.IMAGE, 'sleep', '300']).code, 0);
  const pid = Number(h.run(w, [...docker, 'inspect', '-f', '{{.State.Pid}}', id]).out.trim());
  const e = h.run(w, [...docker, 'exec', id, 'sh', '-c', 'id -u; readlink /proc/self/ns/user']);
  t.is(e.code, 0, e.out);
  t.deepEqual(e.out.trim().split('\n'), ['0', fs.readlinkSync(`/proc/${pid}/ns/user`)]);
  t.regex(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${remapRange()[0]}\\s`, 'm'));
});

test.serial('nothing is left behind: no container, cgroup, process or mount', async (t) => {
  t.is(h.run(w, [...docker, 'ps', '-aq']).out.trim(), '');
  w.done = true;
  t.deepEqual(await h.teardown(w, [cgroupParent]), []);
});
