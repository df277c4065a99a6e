'use strict';
// podman 4.3 + conmon with the runtime under test declared the README's way: an
// `[engine.runtimes]` entry of containers.conf, chosen by `runtime =` (no --runtime flag), and
// listed in `runtime_supports_json` so conmon passes it `--log-format json`. Private storage,
// run root, tmp dir, volume path and events log; cgroupfs manager under its own cgroup parent;
// no network (`netns = "none"`): nothing of podman's networking is set up.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const test = require('ava');
const h = require('./harness');
const { runsAsOneDaemon } = require('./scenarios');

let w;
let podman;
let cgroupParent;

test.before(() => {
  h.ensureCommands(['podman', 'conmon', 'script', 'busybox']);
  w = h.makeWork('podman');
  cgroupParent = `/tsrunc-clients-podman-${w.tag}`;
  const d = w.dir;
  for (const sub of ['root', 'runroot', 'tmp', 'networks', 'volumes']) fs.mkdirSync(path.join(d, sub));
  fs.writeFileSync(path.join(d, 'containers.conf'), [
    '[containers]',
    'netns = "none"',
    'log_driver = "k8s-file"',
    ...defaultUlimits(),
    '[engine]',
    `runtime = "${h.RUNTIME_NAME}"`,
    `runtime_supports_json = ["crun", "runc", "${h.RUNTIME_NAME}"]`,
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${d}/events.log"`,
    `tmp_dir = "${d}/tmp"`,
    `static_dir = "${d}/root/libpod"`,
    `volume_path = "${d}/volumes"`,
    'lock_type = "file"',
    'num_locks = 256',
    '[engine.runtimes]',
    `${h.RUNTIME_NAME} = ["${w.wrapper}"]`,
    '[network]',
    `network_config_dir = "${d}/networks"`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(d, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${d}/root"\nrunroot = "${d}/runroot"\n`);
  podman = ['env', `CONTAINERS_CONF=${d}/containers.conf`, `CONTAINERS_STORAGE_CONF=${d}/storage.conf`, 'podman',
    '--root', `${d}/root`, '--runroot', `${d}/runroot`, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', `${d}/tmp`];
  const load = h.run(w, [...podman, 'load', '-i', h.buildImage(w)], { timeout: 120000 });
  if (load.code !== 0) throw new Error(`podman load: ${load.out}`);
});

/**
 * podman's default rlimits (nofile and nproc 1048576) need CAP_SYS_RESOURCE to be raised above
 * the hard limit; where this session lacks it (some sandboxes), no runtime can apply them, so
 * they are capped at what this process may set. The hard limits are read from /proc/self/limits:
 * `sh -c 'ulimit -Hu'` asked dash, which has no -u, and its empty answer became "nproc=0:0" -
 * every fork in a user-namespaced container then failed with EAGAIN (the cause of the skips of
 * session 5: a process limit of 0 binds the container's root, who is not privileged on the host).
 */
function defaultUlimits() {
  const capEff = BigInt('0x' + /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  if (capEff & (1n << 24n)) return [];
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const hard = (name, max) => {
    const m = new RegExp(`^Max ${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits);
    if (!m) throw new Error(`no "Max ${name}" in /proc/self/limits`);
    return m[1] === 'unlimited' || Number(m[1]) > max ? max : Number(m[1]);
  };
  const n = hard('open files', 1048576);
  const u = hard('processes', 32768);
  return [`default_ulimits = ["nofile=${n}:${n}", "nproc=${u}:${u}"]`];
}

test.after.always(async () => {
  if (w && !w.done) await stopPodman();
});

/** podman has no daemon: its containers go with `rm -a -f`, its storage mounts with `system reset`-like umounts. */
async function stopPodman() {
  h.run(w, [...podman, 'rm', '-a', '-f', '-t', '0']);
  h.run(w, [...podman, 'rmi', '-a', '-f']);
  // the overlay driver keeps its graphroot bind-mounted private (its own, made at `load`)
  const own = path.join(w.dir, 'root', 'overlay');
  spawnSync('umount', [own]);
  return h.teardown(w, [cgroupParent]);
}

test.serial('the containers.conf runtime entry: podman uses it and reads its version', (t) => {
  const r = h.run(w, [...podman, 'info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.Version}}']);
  t.is(r.code, 0, r.out);
  t.true(r.out.startsWith(`${h.RUNTIME_NAME} ${w.wrapper} `), r.out);
  t.regex(r.out, new RegExp(`${h.RUNTIME_NAME} version`));
});

runsAsOneDaemon(test, {
  get w() {
    return w;
  },
  client: () => podman,
  get run() {
    return ['run', '--pull', 'never', '--network', 'none', '--cgroup-parent', cgroupParent];
  },
  state: (id) => h.run(w, [...podman, 'inspect', '-f', '{{.State.Status}}', id]).out.trim(),
  pid: (id) => Number(h.run(w, [...podman, 'inspect', '-f', '{{.State.Pid}}', id]).out.trim()),
  // podman top reads the container's processes through the runtime's pid list (`ps`)
  top: (id) => h.run(w, [...podman, 'top', id, 'hpid', 'args']),
  killAll: { argv: ['stop', '-t', '5'], status: '143' },
  update: (id) => h.run(w, [...podman, 'update', '--memory', '64m', id]),
  // (podman's stats shows no v1 limit: see the scenario)
  statsShowLimit: null,
});

// ---------------------------------------------------------------- user namespaces (podman as root)

// podman as root with a user namespace: the container's root is an unprivileged host uid, so
// (unlike host root) it is bound by RLIMIT_NPROC - see defaultUlimits() for why these failed before.
const userNsTest = test.serial;
const runUserns = (...args) => h.run(w, [...podman, 'run', '--pull', 'never', '--network', 'none', '--cgroup-parent', cgroupParent, '--rm', ...args]);

userNsTest('--uidmap/--gidmap: the container runs in a user namespace with those maps; the host\'s /dev/null is untouched', (t) => {
  const r = runUserns('--uidmap', '0:200000:65536', '--gidmap', '0:200000:65536', h.IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map; echo x > /dev/null && echo null-ok');
  t.is(r.code, 0, r.out);
  const [uid, map, ok] = r.out.trim().split('\n');
  t.is(uid, '0');
  t.deepEqual(map.trim().split(/\s+/), ['0', '200000', '65536']);
  t.is(ok, 'null-ok');
  const st = fs.statSync('/dev/null');
  t.deepEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o666]);
});

userNsTest('--userns=auto: podman picks a range of the "containers" subordinate ids for the container', (t) => {
  // podman takes the ranges from /etc/subuid and /etc/subgid entries of the user "containers":
  // added for this test if missing, and removed after it.
  const added = [];
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/^containers:/m.test(text)) {
      fs.appendFileSync(file, `${text.endsWith('\n') || text === '' ? '' : '\n'}containers:300000000:1000000\n`);
      added.push([file, text]);
    }
  }
  t.teardown(() => { for (const [file, text] of added) fs.writeFileSync(file, text); });
  const r = runUserns('--userns=auto', h.IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map');
  t.is(r.code, 0, r.out);
  const [uid, map] = r.out.trim().split('\n');
  t.is(uid, '0');
  const [inside, outside, size] = map.trim().split(/\s+/).map(Number);
  t.is(inside, 0);
  t.true(outside > 0 && size > 0, `mapped to host ${outside} (+${size})`);
});

test.serial('nothing is left behind: no container, runtime state, cgroup, process or mount', async (t) => {
  const ids = h.run(w, [...podman, 'ps', '-aq']).out.trim();
  t.is(ids, '');
  w.done = true;
  t.deepEqual(await stopPodman(), []);
});
