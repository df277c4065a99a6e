'use strict';
// The scenarios Docker and podman share: their command lines are the same (`run`, `exec -it`,
// `pause`, `update`, `stats`, `stop`, `kill`, `rm -f`, `-v`), what differs (how state, pid, top,
// update and volumes are read) comes in `c`. Each scenario asserts what the user sees, and where
// the client's effect on the runtime is the point (kill --all), the runtime call it made.
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const SH = (script) => ['sh', '-c', script];

/**
 * Registers the serial scenarios on `test`. `c.w` is the suite's work (set in `before`),
 * `c.client()` the client's argv prefix, `c.run` the `run` words with the network option.
 */
function runsAsOneDaemon(test, c) {
  const cli = (...args) => h.run(c.w, [...c.client(), ...args]);
  const run = (...args) => cli(...c.run, ...args);
  const rmf = (...ids) => ids.forEach((id) => cli('rm', '-f', id));

  test.serial('run: the output and the exit code reach the user', (t) => {
    const r = run('--rm', h.IMAGE, ...SH('echo hello-from-container; cat /proc/1/comm; exit 7'));
    t.is(r.code, 7, r.out);
    t.regex(r.out, /hello-from-container\nsh\n/);
  });

  test.serial('run of a missing program: the runtime\'s error reaches the user, exit 127 as with runc', (t) => {
    const r = run('--rm', h.IMAGE, 'no-such-program');
    t.is(r.code, 127, r.out);
    t.regex(r.out, /no-such-program.*(executable file not found|no such file or directory)/i);
  });

  test.serial('run -d, exec, exec -it, top, pause and unpause, update and stats, stop with a trapped SIGTERM, rm', async (t) => {
    const id = `det-${c.w.tag}`;
    t.teardown(() => rmf(id));
    const r = run('-d', '--name', id, h.IMAGE, ...SH('trap "echo got-term; exit 3" TERM; while :; do sleep 0.2; done'));
    t.is(r.code, 0, r.out);
    t.is(c.state(id), 'running');
    const pid = c.pid(id);

    const e = cli('exec', id, ...SH('echo exec-out; cat /proc/1/cmdline | tr "\\0" " "; exit 5'));
    t.is(e.code, 5, e.out);
    t.regex(e.out, /exec-out\nsh -c trap/, 'the exec runs in the container (its pid 1 is the container init)');

    const tty = h.runTty(c.w, [...c.client(), 'exec', '-it', id, ...SH('sleep 0.5; tty; stty size; exit 6')]);
    t.is(tty.code, 6, tty.out);
    t.regex(tty.out, /\/dev\/pts\/\d+\n30 100\n/, 'a pty of the user terminal size');

    const top = c.top(id);
    t.is(top.code, 0, top.out);
    t.regex(top.out, new RegExp(`\\b${pid}\\b`), 'the init is listed');

    t.is(cli('pause', id).code, 0);
    t.is(c.state(id), 'paused');
    t.is(cli('unpause', id).code, 0);
    t.is(c.state(id), 'running');
    t.is(cli('exec', id, 'echo', 'alive-after-unpause').out.trim(), 'alive-after-unpause');

    const u = c.update(id);
    t.is(u.code, 0, u.out);
    t.is(h.memoryLimitOf(pid), String(64 << 20), 'the container cgroup has the new limit');
    const s = cli('stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', id);
    t.is(s.code, 0, s.out);
    if (c.statsShowLimit) t.regex(s.out, c.statsShowLimit, 'stats shows the new limit');
    else {
      // podman 4.3 shows the host's memory as the limit in stats (and 0 in inspect) after an
      // update on a cgroup v1 host, runc or not: the container's own view of its cgroup instead,
      // where the runtime mounts the v1 memory hierarchy (tsrunc mounts cgroup2 only, README).
      const seen = cli('exec', id, ...SH('cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max 2>/dev/null || echo no-memory-controller-mounted'));
      if (seen.out.trim() === 'no-memory-controller-mounted') t.log('the container has no memory controller mounted: limit checked on the host only');
      else t.is(seen.out.trim(), String(64 << 20), 'the container sees the new limit in its cgroup');
    }
    t.regex(s.out, new RegExp(`^${id} .* [1-9]\\d*$`, 'm'), 'and the processes counted in its cgroup');

    const stop = cli('stop', '-t', '10', id);
    t.is(stop.code, 0, stop.out);
    t.is(cli('inspect', '-f', '{{.State.ExitCode}}', id).out.trim(), '3', 'the trap ran: exit status 3');
    t.regex(cli('logs', id).out, /got-term/);
    t.is(c.state(id), 'exited');
    t.is(cli('rm', id).code, 0);
    t.not(cli('inspect', id).code, 0, 'gone');
  });

  test.serial('kill (SIGKILL), kill --all of a container in the host pid namespace, rm -f of a running one', async (t) => {
    const [k, all, f] = ['kill', 'all', 'rmf'].map((n) => `${n}-${c.w.tag}`);
    t.teardown(() => rmf(k, all, f));
    t.is(run('-d', '--name', k, h.IMAGE, ...SH('trap "" TERM; sleep 300')).code, 0);
    t.is(cli('kill', k).code, 0);
    t.is(cli('wait', k).out.trim().split('\n').pop(), '137');

    // No pid namespace of its own: the init's exit does not take its children with it, so the
    // client asks the runtime to `kill --all` the container (Docker's shim when the init dies,
    // podman when it stops such a container).
    const host = fs.mkdtempSync(path.join(c.w.dir, 'bg-'));
    t.is(run('-d', '--pid', 'host', '-v', `${host}:/data`, '--name', all, h.IMAGE, ...SH('sleep 300 & echo $! > /data/bg; exec sleep 301')).code, 0);
    const bg = Number(await h.waitFor(() => fs.existsSync(path.join(host, 'bg')) && fs.readFileSync(path.join(host, 'bg'), 'utf8').trim(), { what: 'bg pid' }));
    t.true(fs.existsSync(`/proc/${bg}`));
    t.is(cli(...c.killAll.argv, all).code, 0);
    t.is(cli('wait', all).out.trim().split('\n').pop(), c.killAll.status);
    await h.waitFor(() => !fs.existsSync(`/proc/${bg}`), { what: `background process ${bg} killed` });
    t.true(h.runtimeCalls(c.w).some((l) => /\bkill --all \S+ \w+$/.test(l)), 'the runtime got kill --all');

    t.is(run('-d', '--name', f, h.IMAGE, 'sleep', '300').code, 0);
    const pid = c.pid(f);
    t.is(c.state(f), 'running');
    const r = cli('rm', '-f', f);
    t.is(r.code, 0, r.out);
    t.not(cli('inspect', f).code, 0, 'gone');
    t.false(fs.existsSync(`/proc/${pid}`));
  });

  test.serial('-v hostdir:/data: the file the container writes stays on the host', (t) => {
    const host = fs.mkdtempSync(path.join(c.w.dir, 'bind-'));
    fs.writeFileSync(path.join(host, 'in'), 'from-host\n');
    const r = run('--rm', '-v', `${host}:/data`, h.IMAGE, ...SH('cat /data/in; echo kept > /data/out'));
    t.is(r.code, 0, r.out);
    t.regex(r.out, /from-host/);
    t.is(fs.readFileSync(path.join(host, 'out'), 'utf8'), 'kept\n');
  });

  test.serial('-v /data: an anonymous volume keeps its data in the volume store after rm', (t) => {
    const id = `vol-${c.w.tag}`;
    t.teardown(() => rmf(id));
    const r = run('--name', id, '-v', '/data', h.IMAGE, ...SH('echo seeded > /data/f; ls /data'));
    t.is(r.code, 0, r.out);
    const name = cli('inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', id).out.trim();
    t.regex(name, /^[0-9a-f]{64}$/, 'an anonymous volume');
    t.is(cli('rm', id).code, 0);
    t.true(cli('volume', 'ls', '-q').out.split('\n').includes(name), 'still in the store');
    const store = cli('volume', 'inspect', '-f', '{{.Mountpoint}}', name).out.trim();
    t.true(store.startsWith(c.w.dir + '/'), `the volume is in the client's private store: ${store}`);
    t.is(fs.readFileSync(path.join(store, 'f'), 'utf8'), 'seeded\n');
    const again = run('--rm', '-v', `${name}:/data`, h.IMAGE, 'cat', '/data/f');
    t.is(again.out.trim(), 'seeded', 'a new container mounting it by name sees the data');
    cli('volume', 'rm', name); // (podman's run --rm already removed it with the container)
    t.false(cli('volume', 'ls', '-q').out.split('\n').includes(name));
  });

  test.serial('run -it: the user sees a terminal of their size, and the exit code', (t) => {
    const r = h.runTty(c.w, [...c.client(), ...c.run, '-it', '--rm', h.IMAGE, ...SH('sleep 0.5; tty; stty size; echo tty-ok; exit 4')]);
    t.is(r.code, 4, r.out);
    t.regex(r.out, /\/dev\/pts\/\d+\n30 100\ntty-ok/);
  });
}

module.exports = { runsAsOneDaemon };
