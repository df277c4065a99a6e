'use strict';
// Containers in a user namespace, run by root: the maps, root inside and an unprivileged uid
// outside, devices bound from the host (never changed), sysfs and locked mount flags, the
// terminal and /dev/console owned by the container's root, sysctls of owned namespaces, the
// delegated cgroup, a namespace joined by path, and the host's /dev/null and rootfs untouched.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor, hostMounts } = require('./helpers/runtime');
const { consoleSocket } = require('./helpers/console');

const HOST_ID = 100000;
const MAP = [{ containerID: 0, hostID: HOST_ID, size: 65536 }];
const HOST_DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];
const deviceState = () => HOST_DEVICES.map((p) => { const st = fs.statSync(p); return `${p} ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`; });

/** A runtime context whose temp dir the container's root (an unprivileged host uid) can traverse. */
function userns(t) {
  const rt = useRuntime(t);
  fs.chmodSync(rt.base, 0o711);
  const before = deviceState();
  // Every test here: the host's device nodes are exactly as they were (runc#3674: crun 1.8 chowns /dev/null).
  t.teardown(() => {
    const after = deviceState();
    if (after.join() !== before.join()) throw new Error(`host devices changed: ${after.join(', ')} (were ${before.join(', ')})`);
  });
  return rt;
}

/** The config patch of a new user namespace mapping 0-65535 to 100000-165535. */
const mapped = (extra) => (c) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = MAP;
  c.linux.gidMappings = MAP;
  if (extra) extra(c);
};
// runc 1.1.5 lacks these (runc 1.2 has them): the sysfs fallback in a user namespace, keeping
// locked flags on a bind remount, the cgroup delegation, joining a user namespace without maps in
// the config.
const notInRunc11 = isTsrunc ? test : test.skip;
const sh = (script) => (c) => { c.process.args = ['sh', '-c', script]; };
const both = (...patches) => (c) => patches.forEach((p) => p(c));

test('the maps are the config\'s; the process is root inside with full capabilities of its namespace, uid 100000 outside', async (t) => {
  const rt = userns(t);
  const out = await rt.output(mapped(sh('id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; grep CapEff /proc/self/status')));
  const [uid, gid, uidMap, gidMap, caps] = out.trim().split('\n');
  t.deepEqual([uid, gid], ['0', '0']);
  t.deepEqual([uidMap.trim().split(/\s+/), gidMap.trim().split(/\s+/)], [['0', '100000', '65536'], ['0', '100000', '65536']]);
  t.regex(caps, /CapEff:\s+0000000000000000|CapEff:\s+00000000a80425fb|CapEff:\s+[0-9a-f]+/);
  const { pid } = await rt.startContainer(mapped((c) => { c.process.args = ['sleep', '1000']; }));
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  t.regex(status, new RegExp(`^Uid:\\s+${HOST_ID}\\s+${HOST_ID}\\s+${HOST_ID}\\s+${HOST_ID}$`, 'm'), 'the host sees the mapped uid');
  t.regex(status, new RegExp(`^Gid:\\s+${HOST_ID}\\s`, 'm'));
  t.not(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync('/proc/self/ns/user'));
});

test('every other new namespace is owned by the new user namespace: its root may change them', async (t) => {
  const rt = userns(t);
  // Capabilities count only in namespaces their user namespace owns: each of these fails with
  // EPERM on a namespace the host's user namespace owns.
  const caps = ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'];
  const out = await rt.output(mapped(both(
    (c) => {
      c.linux.namespaces.push({ type: 'cgroup' });
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    },
    sh('hostname renamed && hostname; ifconfig lo up && ifconfig lo | grep -o "UP LOOPBACK"; mount -t tmpfs own /tmp && echo mounted'),
  )));
  t.deepEqual(out.trim().split('\n'), ['renamed', 'UP LOOPBACK', 'mounted']);
});

// runc 1.1.5 has no time namespaces (runc 1.2 makes one, in nsexec, owned by the container's user namespace).
notInRunc11('a new time namespace is owned by the new user namespace, with the config\'s offsets', async (t) => {
  const rt = userns(t);
  const day = 86400;
  const { pid } = await rt.startContainer(mapped((c) => {
    c.linux.namespaces.push({ type: 'time' });
    c.linux.timeOffsets = { monotonic: { secs: 1000 * day } };
    c.process.args = ['sleep', '1000'];
  }));
  const ino = (link) => fs.statSync(link).ino;
  // lsns reads the owner with ioctl(NS_GET_USERNS) on the namespace file.
  const owner = execFileSync('lsns', ['--noheadings', '-t', 'time', '-o', 'NS,ONS', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
  t.is(Number(owner[0]), ino(`/proc/${pid}/ns/time`), 'the container\'s time namespace, not the host\'s');
  t.not(ino(`/proc/${pid}/ns/time`), ino('/proc/self/ns/time'));
  t.is(Number(owner[1]), ino(`/proc/${pid}/ns/user`), 'owned by the container\'s user namespace');
  const offsets = fs.readFileSync(`/proc/${pid}/timens_offsets`, 'utf8');
  t.regex(offsets, new RegExp(`monotonic\\s+${1000 * day}\\s+0`), offsets);
});

test('devices are the host\'s, bind-mounted and never changed: linux.devices owner and mode do not touch the host node', async (t) => {
  const rt = userns(t);
  const out = await rt.output(mapped(both(
    (c) => { c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1000 }]; },
    sh('for d in null zero full random urandom tty fuse; do stat -c "%n %t %T" /dev/$d; done; grep -c " /dev/null " /proc/self/mountinfo; echo data > /dev/null && echo wrote'),
  )));
  t.deepEqual(out.trim().split('\n'), [
    '/dev/null 1 3', '/dev/zero 1 5', '/dev/full 1 7', '/dev/random 1 8', '/dev/urandom 1 9', '/dev/tty 5 0', '/dev/fuse a e5', '1', 'wrote',
  ]);
  const fuse = fs.statSync('/dev/fuse');
  t.deepEqual([fuse.uid, fuse.gid], [0, 0], 'the host\'s /dev/fuse keeps its owner');
});

notInRunc11('without a network namespace sysfs is the host\'s /sys, bound; with one it is a fresh sysfs', async (t) => {
  const rt = userns(t);
  const script = 'awk \'$5 == "/sys" {print $4, $9}\' /proc/self/mountinfo; ls /sys/class/net | sort | tr "\\n" " "';
  const bound = await rt.output(mapped(both((c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'network'); }, sh(script))));
  const [mount, nets] = bound.trim().split('\n');
  t.is(mount, '/ sysfs');
  t.is(nets.trim(), fs.readdirSync('/sys/class/net').sort().join(' '), 'the host\'s interfaces');
  const fresh = await rt.output(mapped(sh(script)));
  t.is(fresh.trim().split('\n')[1].trim(), 'lo', 'a new network namespace has only lo');
});

notInRunc11('a bind mount of a nosuid,nodev,noexec host mount remounted read-only keeps the locked flags', async (t) => {
  const rt = userns(t);
  const dir = rt.hostDir('locked');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,mode=755', 'tsrunc-locked', dir]);
  t.teardown(() => { try { execFileSync('umount', ['-l', dir]); } catch { /* gone */ } });
  fs.writeFileSync(path.join(dir, 'file'), 'host data\n');
  const out = await rt.output(mapped(both(
    (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['bind', 'ro'] }); },
    sh('cat /mnt/file; awk \'$5 == "/mnt" {print $6}\' /proc/self/mountinfo; touch /mnt/x 2>/dev/null || echo read-only'),
  )));
  const [data, flags, ro] = out.trim().split('\n');
  t.is(data, 'host data');
  t.deepEqual(flags.split(',').sort(), ['nodev', 'noexec', 'nosuid', 'relatime', 'ro'].filter((f) => flags.includes(f)).sort());
  for (const f of ['ro', 'nosuid', 'nodev', 'noexec']) t.true(flags.split(',').includes(f), `${f} in ${flags}`);
  t.is(ro, 'read-only');
});

test('sysctls of namespaces the container owns are written (net with its netns, kernel.shm* with its ipc ns)', async (t) => {
  const rt = userns(t);
  const out = await rt.output(mapped(both(
    (c) => { c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' }; },
    sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'),
  )));
  t.deepEqual(out.trim().split('\n'), ['1', '1234']);
  t.not(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'the host\'s own value is untouched');
});

test('the terminal and /dev/console belong to the container\'s root', async (t) => {
  const rt = userns(t);
  const cs = await consoleSocket(rt.hostDir('console'));
  t.teardown(() => cs.close());
  const bundle = rt.makeBundle(mapped((c) => { c.process.terminal = true; c.process.args = ['sh']; }));
  const id = rt.id('tty');
  const created = await rt.runtime(['create', '--bundle', bundle.dir, '--console-socket', cs.path, id]);
  t.is(created.code, 0, created.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  t.is((await rt.runtime(['start', id])).code, 0);
  await term.expect(/# /);
  t.truthy(await term.send('stat -c "%u:%g" $(tty) /dev/console /dev/pts/ptmx | tr "\\n" " "; echo', /0:(0|5) 0:(0|5) 0:0 \r?\n/));
  term.write('exit\r');
  t.true(await term.closedWithin());
});

notInRunc11('with its own cgroup namespace and a read-write cgroup mount the container\'s root may manage its cgroup2 subtree', async (t) => {
  const rt = userns(t);
  const unified = hostMounts().find((m) => m.fsType === 'cgroup2');
  if (!unified) return t.pass('no cgroup2 hierarchy on this host');
  const out = await rt.output(mapped(both(
    (c) => {
      c.linux.namespaces.push({ type: 'cgroup' });
      c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'rw'] });
    },
    // The cgroup2 tree: the mount itself on a unified host, its "unified" directory on a hybrid one.
    sh('d=/sys/fs/cgroup; [ -d $d/unified ] && d=$d/unified; stat -c %u $d $d/cgroup.procs | tr "\\n" " "; echo; mkdir $d/sub && echo $$ > $d/sub/cgroup.procs && grep "^0::" /proc/self/cgroup'),
  )));
  const [owners, cgroup] = out.trim().split('\n');
  t.is(owners.trim(), '0 0', 'its cgroup directory and cgroup.procs belong to its root');
  t.is(cgroup, '0::/sub', 'it moved itself into a sub-cgroup it made');
  // delete removed the sub-cgroup with the container's (the helper's teardown checks no cgroup is left)
});

notInRunc11('a user namespace joined by path: the container is in it, as its root', async (t) => {
  const rt = userns(t);
  const holder = spawn('unshare', ['--fork', '--user', '--map-root-user', 'sleep', '600'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  const pid = await waitFor(() => {
    try {
      const child = execFileSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' }).trim();
      return child && fs.readlinkSync(`/proc/${child}/ns/user`) !== fs.readlinkSync('/proc/self/ns/user') && child;
    } catch { return false; }
  }, { what: 'the namespace holder' });
  const out = await rt.output((c) => {
    c.linux.namespaces.push({ type: 'user', path: `/proc/${pid}/ns/user` });
    // Only root is mapped there: devpts cannot take gid 5.
    for (const m of c.mounts) if (m.options) m.options = m.options.filter((o) => o !== 'gid=5');
    sh('readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map')(c);
  });
  const [ns, uid, map] = out.trim().split('\n');
  t.is(ns, fs.readlinkSync(`/proc/${pid}/ns/user`));
  t.is(uid, '0');
  t.deepEqual(map.trim().split(/\s+/), ['0', '0', '1']);
});

test('the rootfs keeps its owners and the host\'s /dev/null and /dev/console are untouched', async (t) => {
  const rt = userns(t);
  const bundle = rt.makeBundle(mapped((c) => { c.process.terminal = false; c.process.args = ['sh', '-c', 'ls -ln / >/dev/null; echo x > /dev/null; true']; }));
  const owners = () => execFileSync('find', [bundle.rootfs, '-xdev', '-printf', '%U:%G %m %p\n'], { encoding: 'utf8' });
  const console = () => { try { const st = fs.statSync('/dev/console'); return `${st.uid}:${st.gid} ${st.mode}`; } catch { return 'none'; } };
  const before = [owners(), console()];
  const id = rt.id('own');
  const r = await rt.runtime(['run', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual([owners(), console()], before);
});

test('bad maps: a new user namespace without uidMappings, or maps the kernel refuses: an error naming the field, nothing left', async (t) => {
  const rt = userns(t);
  const noMaps = await rt.run((c) => { c.linux.namespaces.push({ type: 'user' }); c.linux.gidMappings = MAP; });
  t.not(noMaps.code, 0);
  if (isTsrunc) t.regex(noMaps.stderr, /\/linux\/uidMappings/);
  // A host id that root may not map twice (overlapping ranges): the kernel refuses the map,
  // the error names the field and nothing is left.
  const overlap = await rt.run(mapped((c) => { c.linux.uidMappings = [{ containerID: 0, hostID: HOST_ID, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }]; }));
  t.not(overlap.code, 0);
  if (isTsrunc) t.regex(overlap.stderr, /\/linux\/uidMappings/);
  const left = await rt.leftovers(overlap.id);
  t.deepEqual(left, { stateDir: false, processes: [], mounts: [] });
});

// ---------------------------------------------------------------- exec into a user-namespaced container

const SLEEPER = mapped((c) => { c.process.args = ['sleep', '1000']; });

test('exec joins the container\'s user namespace first, as its root, with the container\'s maps', async (t) => {
  const rt = userns(t);
  const { id, pid } = await rt.startContainer(SLEEPER);
  const r = await rt.runtime(['exec', id, 'sh', '-c', 'readlink /proc/self/ns/user; id -u; id -g; cat /proc/self/uid_map; grep ^Groups /proc/self/status']);
  t.is(r.code, 0, r.stderr);
  const [ns, uid, gid, map, groups] = r.stdout.trim().split('\n');
  t.is(ns, fs.readlinkSync(`/proc/${pid}/ns/user`));
  t.deepEqual([uid, gid], ['0', '0']);
  t.deepEqual(map.trim().split(/\s+/), ['0', '100000', '65536']);
  t.is(groups.trim(), 'Groups:', 'no supplementary group of the runtime\'s is kept');
  const user = await rt.runtime(['exec', '--user', '1000:1000', id, 'sh', '-c', 'id -u; id -g']);
  t.is(user.stdout, '1000\n1000\n', user.stderr);
});

test('exec in a user namespace: the process holds no fd of the runtime, with or without a terminal', async (t) => {
  const rt = userns(t);
  const { id } = await rt.startContainer(SLEEPER);
  const plain = await rt.runtime(['exec', id, 'sh', '-c', 'ls -l /proc/self/fd | grep -v " 3 ->" | grep -c -- "->"']);
  t.is(plain.code, 0, plain.stderr);
  t.is(plain.stdout.trim(), '3');
  const cs = await consoleSocket(rt.hostDir('console'));
  t.teardown(() => cs.close());
  const r = await rt.runtime(['exec', '-t', '-d', '--console-socket', cs.path, id, 'sh']);
  t.is(r.code, 0, r.stderr);
  const term = await cs.terminal();
  t.teardown(() => term.close());
  await term.expect(/# /);
  const m = await term.send('for f in /proc/$$/fd/*; do readlink $f; done | sort -u | tr "\\n" " "; stat -c %u:%g $(tty); echo end', /\r\n(\/dev\S* \/dev\S* )(\d+:\d+)\r?\nend\r\n/);
  t.is(m[1], '/dev/pts/0 /dev/tty ');
  t.regex(m[2], /^0:(0|5)$/, 'the exec\'d pty belongs to the container\'s root');
  term.write('exit\r');
});

(isTsrunc ? test : test.skip)('exec in a user namespace: the helper runs from a sealed memfd (CVE-2019-5736) and is not dumpable', async (t) => {
  const rt = userns(t);
  const { id } = await rt.startContainer(SLEEPER);
  const { child } = rt.spawnRuntime(['exec', id, 'sleep', '30']);
  const helper = await waitFor(() => {
    try {
      const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      return kids.find((k) => fs.readFileSync(`/proc/${k}/comm`, 'utf8').startsWith('tsrunc:[0:EXEC]'));
    } catch {
      return undefined;
    }
  }, { what: 'the exec helper' });
  t.regex(fs.readlinkSync(`/proc/${helper}/exe`), /^\/memfd:tsrunc-init \(deleted\)$/);
  const err = t.throws(() => fs.openSync(`/proc/${helper}/exe`, 'r+'));
  t.true(['ETXTBSY', 'EPERM', 'EACCES'].includes(err.code), err.code);
  // It joined the container's user namespace: were it dumpable, the container's root (who owns
  // that namespace) could ptrace it; prctl(PR_SET_DUMPABLE, 0) leaves its /proc files root's.
  t.is(fs.readlinkSync(`/proc/${helper}/ns/user`), fs.readlinkSync(`/proc/${(await rt.state(id)).state.pid}/ns/user`));
  t.is(fs.statSync(`/proc/${helper}`).uid, 0);
  child.kill('SIGKILL');
});

test('the container\'s root, with every capability of its namespace, cannot read or rewrite a runtime process in it', async (t) => {
  const rt = userns(t);
  // A created (not started) container: its pid 1 is still the runtime's init, in the user namespace.
  const victim = rt.makeBundle(mapped((c) => { c.process.args = ['true']; }));
  const id = rt.id('victim');
  const created = await rt.runtime(['create', '--bundle', victim.dir, id]);
  t.is(created.code, 0, created.stderr);
  const { pid } = (await rt.state(id)).state;
  const all = ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_CHOWN'];
  const r = await rt.run((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'pid');
    c.linux.namespaces.push({ type: 'pid', path: `/proc/${pid}/ns/pid` }, { type: 'user', path: `/proc/${pid}/ns/user` });
    for (const m of c.mounts) if (m.options) m.options = m.options.filter((o) => o !== 'gid=5');
    c.mounts = c.mounts.filter((m) => m.type !== 'sysfs');
    c.process.capabilities = { bounding: all, effective: all, permitted: all };
    c.process.args = ['sh', '-c', 'cat /proc/1/comm; if echo pwned >> /proc/1/exe; then echo WROTE; else echo refused; fi; if cat /proc/1/environ >/dev/null 2>&1; then echo READ; else echo hidden; fi'];
  });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  if (isTsrunc) t.regex(lines[0], /^tsrunc/);
  t.deepEqual(lines.slice(1), ['refused', 'hidden']);
});

// ---------------------------------------------------------------- id-mapped mounts

/** A host directory holding `file`, owned by root on the host. */
function hostData(rt) {
  const dir = rt.hostDir('idmap');
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'file'), 'host data\n');
  return dir;
}

notInRunc11('idmap: a bind mount mapped with the container\'s maps shows the host\'s root as root, and what root writes is the host\'s root\'s', async (t) => {
  const rt = userns(t);
  const dir = hostData(rt);
  const out = await rt.output(mapped(both(
    (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['bind', 'idmap'] }); },
    sh('stat -c %u:%g /mnt/file; echo new > /mnt/new && stat -c %u:%g /mnt/new'),
  )));
  t.deepEqual(out.trim().split('\n'), ['0:0', '0:0']);
  const st = fs.statSync(path.join(dir, 'new'));
  t.deepEqual([st.uid, st.gid], [0, 0], 'written through the mapping: the host\'s root owns it');
  t.is(fs.statSync(path.join(dir, 'file')).uid, 0, 'nothing was chowned on the host');
});

notInRunc11('mounts[].uidMappings/gidMappings id-map a bind mount by themselves, also without a user namespace', async (t) => {
  const rt = userns(t);
  const dir = hostData(rt);
  const one = [{ containerID: 0, hostID: 1234, size: 1 }];
  const out = await rt.output(both(
    (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['bind', 'ro'], uidMappings: one, gidMappings: one }); },
    sh('stat -c %u:%g /mnt/file; awk \'$5 == "/mnt" {print $6}\' /proc/self/mountinfo'),
  ));
  const [owner, flags] = out.trim().split('\n');
  t.is(owner, '1234:1234');
  t.true(flags.split(',').includes('ro') && flags.split(',').includes('idmapped'), flags);
});

notInRunc11('ridmap maps every mount of a recursive bind; idmap only its top', async (t) => {
  const rt = userns(t);
  const dir = hostData(rt);
  const sub = path.join(dir, 'sub');
  fs.mkdirSync(sub);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'tsrunc-idmap-sub', sub]);
  t.teardown(() => { try { execFileSync('umount', ['-l', sub]); } catch { /* gone */ } });
  fs.writeFileSync(path.join(sub, 'inner'), 'x');
  const script = sh('stat -c %u /mnt/file /mnt/sub/inner | tr "\\n" " "');
  const ridmap = await rt.output(mapped(both((c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['rbind', 'ridmap'] }); }, script)));
  t.is(ridmap.trim(), '0 0');
  const idmap = await rt.output(mapped(both((c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['rbind', 'idmap'] }); }, script)));
  t.is(idmap.trim(), '0 65534', 'the submount is not mapped: its root is nobody inside');
});

test('idmap refused with a clear error: without maps, or on a mount that is not a bind', async (t) => {
  const rt = userns(t);
  const dir = hostData(rt);
  const noMaps = await rt.run((c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: dir, options: ['bind', 'idmap'] }); });
  t.not(noMaps.code, 0);
  if (isTsrunc) t.regex(noMaps.stderr, /\/mounts\/\d+\/options: idmap without mounts\[\]\.uidMappings/);
  const notBind = await rt.run(mapped((c) => { c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }); }));
  t.not(notBind.code, 0);
  if (isTsrunc) t.regex(notBind.stderr, /\/mounts\/\d+\/options: id-mapped mounts are supported for bind mounts only/);
  t.deepEqual(await rt.leftovers(notBind.id), { stateDir: false, processes: [], mounts: [] });
});

(isTsrunc ? test : test.skip)('features: the user namespace, idmap and ridmap, and mountExtensions.idmap.enabled', async (t) => {
  const rt = useRuntime(t);
  const f = JSON.parse((await rt.runtime(['features'])).stdout);
  t.true(f.linux.namespaces.includes('user'));
  t.true(f.mountOptions.includes('idmap') && f.mountOptions.includes('ridmap'));
  t.true(f.linux.mountExtensions.idmap.enabled);
});
