'use strict';
// containerd 1.6 + ctr scenarios, run through either path containerd has to a runtime:
// - via 'runc-binary' (containerd.test.js): the runc v2 shim with the runtime under test as its
//   binary (`--runc-binary`, the per-run form of the `BinaryName` option);
// - via 'shim' (containerd-shim.test.js): containerd-shim-tsrunc-v2 (`--runtime
//   io.containerd.tsrunc.v2`), which hosts the runtime in its own process; with RUNTIME=runc the
//   reference is `--runtime io.containerd.runc.v2` (runc's shim + runc).
// A private containerd: own root, state, sockets, no CRI plugin. Scenarios run in order against one
// daemon, as a user would use it.
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const SH = (script) => ['sh', '-c', script];

function containerdSuite(test, { via }) {
  const shim = via === 'shim';
  let w; // the suite's work
  let ctr; // argv prefix of ctr against the private daemon
  let runOpts; // ctr run options naming the runtime
  let ns;
  // Where the runtime keeps a container's state: the shim's default root, or --runc-root.
  const stateDir = () => (shim ? path.join(h.SHIM_STATE_ROOT, ns) : path.join(w.dir, 'rt-root', ns));

  test.before(async () => {
    h.ensureCommands(['containerd', 'ctr', 'script', 'busybox']);
    w = h.makeWork(shim ? 'containerd-shim' : 'containerd');
    if (shim) h.putShimOnPath(w);
    ns = `tsrunc-clients-${w.tag}`;
    const d = w.dir;
    for (const sub of ['root', 'state', 'fifo', 'rt-root']) fs.mkdirSync(path.join(d, sub));
    fs.writeFileSync(path.join(d, 'config.toml'), [
      'version = 2',
      `root = "${d}/root"`,
      `state = "${d}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]',
      '[grpc]',
      `  address = "${d}/containerd.sock"`,
      '[ttrpc]',
      `  address = "${d}/containerd.sock.ttrpc"`,
      '',
    ].join('\n'));
    h.startDaemon(w, 'containerd', ['containerd', '--config', path.join(d, 'config.toml')]);
    ctr = ['ctr', '--address', path.join(d, 'containerd.sock'), '-n', ns];
    runOpts = shim
      ? ['--runtime', h.SHIM, '--fifo-dir', path.join(d, 'fifo')]
      : ['--runc-binary', w.wrapper, '--runc-root', path.join(d, 'rt-root'), '--fifo-dir', path.join(d, 'fifo')];
    await h.waitFor(() => h.run(w, [...ctr, 'version'], { timeout: 5000 }).code === 0, { timeout: 30000, what: 'containerd' });
    const imp = h.run(w, [...ctr, 'images', 'import', h.buildImage(w)], { timeout: 120000 });
    if (imp.code !== 0) throw new Error(`ctr images import: ${imp.out}`);
  });

  test.after.always(async () => {
    if (w && !w.done) await h.teardown(w, [`/${ns}`]);
  });

  const task = (id) => {
    const line = h.run(w, [...ctr, 'task', 'ls']).out.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id);
    return line ? { pid: Number(line[1]), status: line[2] } : { status: 'absent' };
  };
  const statusIs = (id, s) => h.waitFor(() => task(id).status === s, { what: `${id} ${s}` });
  const ctrRun = (args, opts) => h.run(w, [...ctr, 'run', ...runOpts, ...args], opts);
  const cleanup = (id) => {
    h.run(w, [...ctr, 'task', 'delete', '-f', id]);
    h.run(w, [...ctr, 'container', 'delete', id]);
  };

  test.serial('run: the output and the exit code reach the user', (t) => {
    const r = ctrRun(['--rm', h.IMAGE, 'c-run', ...SH('echo hello-from-container; cat /proc/1/comm; exit 7')]);
    t.is(r.code, 7, r.out);
    t.regex(r.out, /hello-from-container\nsh\n/);
  });

  test.serial('no fd of the shim reaches the container: its process has stdio only', (t) => {
    // The runc v2 shim hands `create` an fd of its own beyond stdio. ls is the container's process
    // itself (a shell would hold fds of its own while it redirects); its one extra fd is the
    // directory it reads.
    const r = ctrRun(['--rm', h.IMAGE, 'c-fds', 'ls', '-l', '/proc/self/fd/']);
    t.is(r.code, 0, r.out);
    const fds = r.out.split('\n').map((l) => / (\d+) -> (.*)$/.exec(l)).filter(Boolean)
      .filter((m) => !/^\/proc\/\d+\/fd$/.test(m[2])).map((m) => m[1]);
    t.deepEqual(fds, ['0', '1', '2'], r.out);
  });

  test.serial('run of a missing program: the runtime\'s error (its JSON log line) reaches the user', (t) => {
    const r = ctrRun(['--rm', h.IMAGE, 'c-missing', 'no-such-program']);
    t.not(r.code, 0, r.out);
    t.regex(r.out, /no-such-program.*(executable file not found|no such file or directory)/i);
    t.is(task('c-missing').status, 'absent');
    h.run(w, [...ctr, 'container', 'delete', 'c-missing']);
  });

  test.serial('run --log-uri file://: stdout and stderr appended to the file', (t) => {
    const file = path.join(w.dir, 'logs', 'c-logfile.log');
    const r = ctrRun(['--rm', '--log-uri', `file://${file}`, h.IMAGE, 'c-logfile', ...SH('echo to-stdout; echo to-stderr >&2; exit 2')]);
    t.is(r.code, 2, r.out);
    t.deepEqual(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).sort(), ['to-stderr', 'to-stdout']);
    t.notRegex(r.out, /to-std/, 'nothing reaches ctr itself');
  });

  test.serial('run --log-uri binary://: the logging program gets stdout on fd 3, stderr on fd 4, the container id and its arguments', async (t) => {
    const logger = path.join(w.dir, 'logger.sh');
    const dir = path.join(w.dir, 'binlog');
    fs.mkdirSync(dir);
    // containerd's logging-binary protocol: URI query pairs as arguments, ready once fd 5 is closed.
    fs.writeFileSync(logger, '#!/bin/sh\n[ "$1" = dir ] || exit 1\necho "$CONTAINER_ID $CONTAINER_NAMESPACE" > "$2/env"\nexec 5>&-\ncat <&3 > "$2/out" & cat <&4 > "$2/err"\nwait\n', { mode: 0o755 });
    const r = ctrRun(['--rm', '--log-uri', `binary://${logger}?dir=${encodeURIComponent(dir)}`, h.IMAGE, 'c-binlog', ...SH('echo bin-out; echo bin-err >&2; exit 3')]);
    t.is(r.code, 3, r.out);
    await h.waitFor(() => fs.existsSync(path.join(dir, 'err')) && fs.readFileSync(path.join(dir, 'err'), 'utf8') === 'bin-err\n', { what: "the logger's stderr file" });
    t.is(fs.readFileSync(path.join(dir, 'out'), 'utf8'), 'bin-out\n');
    t.is(fs.readFileSync(path.join(dir, 'env'), 'utf8'), `c-binlog ${ns}\n`);
  });

  test.serial('run -d, exec, exec -t, ps, pause and resume, stop with a trapped SIGTERM', async (t) => {
    const id = 'c-det';
    t.teardown(() => cleanup(id));
    const r = ctrRun(['-d', h.IMAGE, id, ...SH('trap "echo got-term; exit 3" TERM; while :; do sleep 0.2; done')]);
    t.is(r.code, 0, r.out);
    await statusIs(id, 'RUNNING');
    const { pid } = task(id);

    const e = h.run(w, [...ctr, 'task', 'exec', '--exec-id', 'e1', id, ...SH('echo exec-out; cat /proc/1/cmdline | tr "\\0" " "; exit 5')]);
    t.is(e.code, 5, e.out);
    t.regex(e.out, /exec-out\nsh -c trap/, 'the exec runs in the container (its pid 1 is the container init)');

    const tty = h.runTty(w, [...ctr, 'task', 'exec', '-t', '--exec-id', 'e2', id, ...SH('sleep 0.5; tty; stty size; exit 6')]);
    t.is(tty.code, 6, tty.out);
    t.regex(tty.out, /\/dev\/pts\/\d+\n30 100\n/, 'a pty of the user terminal size');

    const ps = h.run(w, [...ctr, 'task', 'ps', id]);
    t.is(ps.code, 0, ps.out);
    t.true(ps.out.split('\n').some((l) => l.trim().split(/\s+/)[0] === String(pid)), ps.out);

    t.is(h.run(w, [...ctr, 'task', 'pause', id]).code, 0);
    await statusIs(id, 'PAUSED');
    t.is(h.run(w, [...ctr, 'task', 'resume', id]).code, 0);
    await statusIs(id, 'RUNNING');
    t.is(h.run(w, [...ctr, 'task', 'exec', '--exec-id', 'e3', id, 'echo', 'alive-after-resume']).out.trim(), 'alive-after-resume');

    t.is(h.run(w, [...ctr, 'task', 'kill', id]).code, 0);
    await statusIs(id, 'STOPPED');
    const del = h.run(w, [...ctr, 'task', 'delete', id]);
    t.is(del.code, 0, del.out);
    t.regex(del.out, /exit code 3\b/, 'the trap ran: exit status 3');
    t.is(h.run(w, [...ctr, 'container', 'delete', id]).code, 0);
    t.false(fs.existsSync(path.join(stateDir(), id)), 'the runtime state is gone');
    t.deepEqual(h.cgroupDirs(`/${ns}/${id}`), [], 'the cgroup is gone');
  });

  test.serial('a memory limit and the metrics that show it (ctr 1.6 has no update: the limit is set at run)', async (t) => {
    const id = 'c-mem';
    t.teardown(() => cleanup(id));
    t.is(ctrRun(['-d', '--memory-limit', String(64 << 20), h.IMAGE, id, 'sleep', '300']).code, 0);
    await statusIs(id, 'RUNNING');
    t.is(h.memoryLimitOf(task(id).pid), String(64 << 20));
    const m = h.run(w, [...ctr, 'task', 'metrics', '--format', 'json', id]);
    t.is(m.code, 0, m.out);
    t.true(m.out.includes(String(64 << 20)), m.out);
  });

  test.serial('kill -s SIGKILL, kill -a (kill --all) and delete -f', async (t) => {
    t.teardown(() => ['c-k9', 'c-all', 'c-rmf'].forEach(cleanup));
    t.is(ctrRun(['-d', h.IMAGE, 'c-k9', ...SH('trap "" TERM; sleep 300')]).code, 0);
    await statusIs('c-k9', 'RUNNING');
    t.is(h.run(w, [...ctr, 'task', 'kill', '-s', 'SIGKILL', 'c-k9']).code, 0);
    await statusIs('c-k9', 'STOPPED');
    t.regex(h.run(w, [...ctr, 'task', 'delete', 'c-k9']).out, /exit code 137/);

    t.is(ctrRun(['-d', h.IMAGE, 'c-all', ...SH('sleep 300 & sleep 301 & wait')]).code, 0);
    await statusIs('c-all', 'RUNNING');
    const pids = await h.waitFor(() => {
      const p = h.run(w, [...ctr, 'task', 'ps', 'c-all']).out.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter(Boolean);
      return p.length === 3 && p;
    }, { what: 'three processes' });
    t.is(h.run(w, [...ctr, 'task', 'kill', '-a', '-s', 'SIGKILL', 'c-all']).code, 0);
    await statusIs('c-all', 'STOPPED');
    if (!shim) t.true(h.runtimeCalls(w).some((c) => / kill --all c-all 9$/.test(c)), 'the shim called kill --all');
    await h.waitFor(() => pids.every((p) => !fs.existsSync(`/proc/${p}`)), { what: 'every process gone' });
    t.pass();

    t.is(ctrRun(['-d', h.IMAGE, 'c-rmf', 'sleep', '300']).code, 0);
    await statusIs('c-rmf', 'RUNNING');
    const pid = task('c-rmf').pid;
    const f = h.run(w, [...ctr, 'task', 'delete', '-f', 'c-rmf']);
    t.is(f.code, 0, f.out);
    t.is(task('c-rmf').status, 'absent');
    t.false(fs.existsSync(`/proc/${pid}`));
  });

  test.serial('a bind mount: the file the container writes stays on the host', (t) => {
    const host = path.join(w.dir, 'bind');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'in'), 'from-host\n');
    const r = ctrRun(['--rm', '--mount', `type=bind,src=${host},dst=/data,options=rbind:rw`, h.IMAGE, 'c-bind', ...SH('cat /data/in; echo kept > /data/out')]);
    t.is(r.code, 0, r.out);
    t.regex(r.out, /from-host/);
    t.is(fs.readFileSync(path.join(host, 'out'), 'utf8'), 'kept\n');
  });

  if (shim) {
    // The shim is the parent of the container's init (its subreaper), with either shim.
    const shimOf = (pid) => Number(/^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    const alive = (pid) => {
      try {
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };

    test.serial('a killed shim: containerd cleans up after it (the shim\'s delete), nothing is left', async (t) => {
      const id = 'c-shimkill';
      t.teardown(() => cleanup(id));
      t.is(ctrRun(['-d', h.IMAGE, id, 'sleep', '300']).code, 0);
      await statusIs(id, 'RUNNING');
      const { pid } = task(id);
      const socket = fs.readFileSync(path.join(w.dir, 'state', 'io.containerd.runtime.v2.task', ns, id, 'address'), 'utf8').trim().replace(/^unix:\/\//, '');
      process.kill(shimOf(pid), 'SIGKILL');
      await h.waitFor(() => task(id).status === 'absent', { what: 'the task cleaned up' });
      await h.waitFor(() => !fs.existsSync(`/proc/${pid}`), { what: 'the container process gone' });
      t.false(fs.existsSync(path.join(stateDir(), id)), 'the runtime state is gone');
      t.deepEqual(h.cgroupDirs(`/${ns}/${id}`), [], 'the cgroup is gone');
      // runc's shim (1.6) leaves its dead socket in /run/containerd/s; tsrunc's delete removes it.
      if (h.SHIM === 'io.containerd.tsrunc.v2') t.false(fs.existsSync(socket), "the dead shim's socket is gone");
      else fs.rmSync(socket, { force: true });
      t.is(h.run(w, [...ctr, 'container', 'delete', id]).code, 0);
    });

    test.serial('the shim reaps what it did not start: an orphan of an exec in a container sharing the host pid namespace', async (t) => {
      const id = 'c-orphan';
      t.teardown(() => cleanup(id));
      t.is(ctrRun(['-d', '--with-ns', `pid:/proc/${process.pid}/ns/pid`, h.IMAGE, id, 'sleep', '300']).code, 0);
      await statusIs(id, 'RUNNING');
      const shimPid = shimOf(task(id).pid);
      // The exec'd shell exits at once; its background sleep is reparented to the shim (subreaper).
      t.is(h.run(w, [...ctr, 'task', 'exec', '--exec-id', 'orphaner', id, ...SH('sleep 4 </dev/null >/dev/null 2>&1 & exit 0')]).code, 0);
      const children = () => fs.readdirSync(`/proc/${shimPid}/task`).flatMap((tid) => fs.readFileSync(`/proc/${shimPid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
      const state = (pid) => { try { const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); return s.slice(s.lastIndexOf(')') + 2)[0]; } catch { return 'gone'; } };
      const orphan = await h.waitFor(() => children().find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\u00004')), { what: 'the orphan reparented to the shim' });
      await h.waitFor(() => state(orphan) === 'gone', { timeout: 10000, what: 'the orphan reaped (no zombie left in the shim)' });
      t.pass();
    });

    test.serial("grouping: containers of a namespace share one shim; org.tsrunc.shim.group=pod gives a container its own; a bad value is refused; each shim goes with its last container", async (t) => {
      const ids = ['c-g1', 'c-g2', 'c-gpod'];
      for (const id of ids) t.teardown(() => cleanup(id));
      t.is(ctrRun(['-d', h.IMAGE, 'c-g1', 'sleep', '300']).code, 0);
      t.is(ctrRun(['-d', h.IMAGE, 'c-g2', 'sleep', '300']).code, 0);
      t.is(ctrRun(['-d', '--annotation', 'org.tsrunc.shim.group=pod', h.IMAGE, 'c-gpod', 'sleep', '300']).code, 0);
      for (const id of ids) await statusIs(id, 'RUNNING');
      const [s1, s2, sPod] = ids.map((id) => shimOf(task(id).pid));
      t.is(s1, s2, 'one shim serves both containers of the namespace');
      t.not(sPod, s1, 'the pod-grouped container has a shim of its own (runc shim\'s rule: no sandbox id, its own)');
      const bad = ctrRun(['--rm', '--annotation', 'org.tsrunc.shim.group=everything', h.IMAGE, 'c-gbad', 'true']);
      t.not(bad.code, 0);
      t.regex(bad.out, /org\.tsrunc\.shim\.group: "everything" is not a shim grouping/);
      t.is(task('c-gbad').status, 'absent');
      h.run(w, [...ctr, 'container', 'delete', 'c-gbad']);
      // The namespace's shim stays while a container of it remains, then goes.
      for (const id of ['c-g1', 'c-gpod']) cleanup(id);
      await h.waitFor(() => !alive(sPod), { what: 'the pod shim gone with its container' });
      t.true(alive(s1), 'the namespace shim serves c-g2 still');
      t.is(h.run(w, [...ctr, 'task', 'exec', '--exec-id', 'still', 'c-g2', 'echo', 'served']).out.trim(), 'served');
      cleanup('c-g2');
      await h.waitFor(() => !alive(s1), { what: 'the namespace shim gone with its last container' });
    });

    test.serial("the runc options' SystemdCgroup reaches the runtime: the systemd driver is used, and refused clearly where it cannot serve", async (t) => {
      // ctr sends runc options only to io.containerd.runc.v2: Tasks.Create over containerd's gRPC API instead.
      const grpc = require('@grpc/grpc-js');
      const protoLoader = require('@grpc/proto-loader');
      const protobuf = require('protobufjs');
      const file = path.join(__dirname, 'containerd', 'tasks-subset.proto');
      const { Tasks } = grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true })).containerd.services.tasks.v1;
      const tasks = new Tasks(`unix://${path.join(w.dir, 'containerd.sock')}`, grpc.credentials.createInsecure());
      t.teardown(() => tasks.close());
      const RuncOptions = protobuf.loadSync(file).lookupType('containerd.services.tasks.v1.RuncOptions');
      const md = new grpc.Metadata();
      md.set('containerd-namespace', ns);
      const createTask = (id, systemd) => {
        // The container's snapshot, mounted by the shim as for ctr run.
        const m = /mount -t (\S+) (\S+) \S+ -o (\S+)/.exec(h.run(w, [...ctr, 'snapshots', 'mounts', '/unused', id]).out);
        const rootfs = m ? [{ type: m[1], source: m[2], options: m[3].split(',') }] : [];
        const options = { type_url: 'containerd.runc.v1.Options', value: RuncOptions.encode({ systemdCgroup: systemd }).finish() };
        return new Promise((resolve) => tasks.Create({ container_id: id, rootfs, options }, md, (e, r) => resolve(e ?? r)));
      };
      for (const [id, systemd] of [['c-sd', true], ['c-nosd', false]]) {
        t.teardown(() => cleanup(id));
        const c = h.run(w, [...ctr, 'container', 'create', '--runtime', h.SHIM, h.IMAGE, id, 'true']);
        t.is(c.code, 0, c.out);
      }
      const withSystemd = await createTask('c-sd', true);
      const without = await createTask('c-nosd', false);
      t.false(without instanceof Error, `without SystemdCgroup the task is created: ${without.message ?? ''}`);
      // linux.cgroupsPath "/<ns>/<id>" is not the driver's "slice:prefix:name": a clear refusal
      // either way where systemd runs, and on a host without it (this one) the driver says why.
      t.true(withSystemd instanceof Error, 'with SystemdCgroup the systemd driver is asked and refuses');
      t.regex(withSystemd.details ?? withSystemd.message, /systemd/i);
      t.is(task('c-sd').status, 'absent');
      t.deepEqual(h.cgroupDirs(`/${ns}/c-sd`), [], 'no cgroup left by the refused create');
    });

    test.serial('a restarted containerd reconnects to the live shim: exec, kill, the exit status', async (t) => {
      const id = 'c-restart';
      t.teardown(() => cleanup(id));
      t.is(ctrRun(['-d', h.IMAGE, id, ...SH('trap "exit 4" TERM; while :; do sleep 0.2; done')]).code, 0);
      await statusIs(id, 'RUNNING');
      const daemon = w.daemons.pop();
      process.kill(daemon.pid, 'SIGTERM');
      await daemon.exited;
      h.startDaemon(w, 'containerd', ['containerd', '--config', path.join(w.dir, 'config.toml')]);
      await h.waitFor(() => h.run(w, [...ctr, 'version'], { timeout: 5000 }).code === 0, { timeout: 30000, what: 'containerd again' });
      t.is(task(id).status, 'RUNNING');
      t.is(h.run(w, [...ctr, 'task', 'exec', '--exec-id', 'after', id, 'echo', 'exec-after-restart']).out.trim(), 'exec-after-restart');
      t.is(h.run(w, [...ctr, 'task', 'kill', id]).code, 0);
      await statusIs(id, 'STOPPED');
      t.regex(h.run(w, [...ctr, 'task', 'delete', id]).out, /exit code 4\b/);
      t.is(h.run(w, [...ctr, 'container', 'delete', id]).code, 0);
    });
  }

  test.serial('run -t: the user sees a terminal of their size, and the exit code', (t) => {
    const r = h.runTty(w, [...ctr, 'run', '-t', '--rm', ...runOpts, h.IMAGE, 'c-tty', ...SH('sleep 0.5; tty; stty size; echo tty-ok; exit 4')]);
    t.is(r.code, 4, r.out);
    t.regex(r.out, /\/dev\/pts\/\d+\n30 100\ntty-ok/);
  });

  test.serial('nothing is left behind: no task, state, cgroup, process or mount', async (t) => {
    t.is(h.run(w, [...ctr, 'task', 'ls', '-q']).out.trim(), '');
    t.is(h.run(w, [...ctr, 'container', 'ls', '-q']).out.trim(), '');
    t.deepEqual(fs.existsSync(stateDir()) ? fs.readdirSync(stateDir()) : [], []);
    if (shim && fs.existsSync(stateDir())) fs.rmdirSync(stateDir()); // the namespace's (empty) state root
    w.done = true;
    t.deepEqual(await h.teardown(w, [`/${ns}`]), []);
  });
}

module.exports = { containerdSuite };
