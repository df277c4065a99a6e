'use strict';
// A container without a mount namespace in linux.namespaces lives in the runtime's mount
// namespace, chrooted into its rootfs (runc: libcontainer's prepareRootfs chroots when there is
// no CLONE_NEWNS). tsrunc does it without touching the host's mount table: its mounts go under a
// private bind of the rootfs that `delete` detaches; runc makes the host's "/" a recursive slave
// and leaves every mount it made (a deliberate difference, README "Differences from runc").
//
// The runtime runs in a throw-away mount namespace made with `unshare --propagation unchanged`: a
// copy of the host's, peer of its shared mounts, so whatever the runtime mounts that would reach
// the host still does (asserted on the test's own, real, table), while runc's changes to the
// copy's propagation stay in the copy and die with it.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const { RUNTIME, isTsrunc, useRuntime, hostMounts } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const withoutMountNs = (c) => {
  c.linux.namespaces = c.linux.namespaces.filter((ns) => ns.type !== 'mount');
};

const table = () => fs.readFileSync('/proc/self/mountinfo', 'utf8');

/**
 * Runs `script` (sh) in a throw-away copy of the host's mount namespace, with $RT the runtime
 * command (its --root set) and $SNAP a directory to save mount tables in; returns its stdout.
 */
function inMountNsCopy(rt, script) {
  const snap = rt.hostDir('snap');
  const rtCmd = `${RUNTIME} --root ${rt.root}`;
  const out = execFileSync('unshare', ['--mount', '--propagation', 'unchanged', 'sh', '-c', script], {
    env: { ...process.env, RT: rtCmd, SNAP: snap, TSRUNC_TEST_MARKER: rt.base },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { out, snap };
}

test('a container without a mount namespace runs in the runtime\'s, chrooted into its rootfs, with its mounts', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('stat -L -c %i /proc/self/ns/mnt; cat /etc/hosts-marker; grep -c " /dev/pts " /proc/self/mountinfo', withoutMountNs));
  fs.writeFileSync(path.join(bundle.rootfs, 'etc/hosts-marker'), 'inside the rootfs\n');
  const id = rt.id('nomnt');
  const { out } = inMountNsCopy(rt, `stat -L -c %i /proc/self/ns/mnt; $RT run --bundle ${bundle.dir} ${id} 2>&1; echo "rc=$?"; $RT delete --force ${id}`);
  const [shellNs, containerNs, marker, pts, rc] = out.trim().split('\n');
  t.is(rc, 'rc=0', out);
  t.is(containerNs, shellNs, 'the container is in the mount namespace it was started from');
  t.is(marker, 'inside the rootfs', 'its "/" is the rootfs');
  t.is(pts, '1', 'its /dev/pts is mounted (and visible in its chrooted mountinfo)');
});

/**
 * What changed between two mount tables, as far as this test is concerned: the machine is shared
 * (other tests and engines mount and unmount meanwhile, and the copy is a peer of the host's shared
 * mounts), so only two things are compared: mounts present in both must be unchanged (propagation
 * and options: runc's recursive slave shows there), and no mount may be added under `dir`.
 */
function changes(before, after, dir) {
  const byId = (text) => new Map(text.trim().split('\n').map((l) => [l.split(' ')[0], l]));
  const b = byId(before);
  const a = byId(after);
  const changed = [...b].filter(([id, line]) => a.has(id) && a.get(id) !== line).map(([id]) => `${b.get(id)} -> ${a.get(id)}`);
  const added = [...a].filter(([id]) => !b.has(id)).map(([, line]) => line).filter((l) => {
    const mp = l.split(' ')[4];
    return mp === dir || mp.startsWith(dir + '/');
  });
  return { changed, added };
}

test('without a mount namespace, the host\'s mount table is as it was after delete (runc leaves it changed)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('sleep 30', withoutMountNs));
  const id = rt.id('nomnt');
  const hostBefore = table();
  const { snap } = inMountNsCopy(rt, [
    // This host's mounts are all private; a host with systemd has them shared. Shared in the copy
    // (a peer group of its own), so that a change of propagation shows in the table.
    'mount --make-rshared / || exit 1',
    'cat /proc/self/mountinfo > $SNAP/before',
    `$RT create --bundle ${bundle.dir} ${id} || exit 1`,
    'cat /proc/self/mountinfo > $SNAP/running',
    `$RT delete --force ${id} || exit 1`,
    'cat /proc/self/mountinfo > $SNAP/after',
  ].join('\n'));
  const before = fs.readFileSync(path.join(snap, 'before'), 'utf8');
  const running = fs.readFileSync(path.join(snap, 'running'), 'utf8');
  const after = fs.readFileSync(path.join(snap, 'after'), 'utf8');
  const rootfs = fs.realpathSync(bundle.rootfs);
  const afterDelete = changes(before, after, rt.base);
  if (isTsrunc) {
    t.deepEqual(afterDelete, { changed: [], added: [] }, 'after delete: nothing changed, nothing left');
    // While it runs: the mounts there were are unchanged (propagation included); it has mounts,
    // all under the rootfs.
    const whileRunning = changes(before, running, rt.base);
    t.deepEqual(whileRunning.changed, []);
    t.true(whileRunning.added.length > 1, 'the container has mounts');
    for (const line of whileRunning.added) {
      const mp = line.split(' ')[4];
      t.true(mp === rootfs || mp.startsWith(rootfs + '/'), `new mount under the rootfs: ${line}`);
    }
  } else {
    // runc 1.1.5: "/" made a recursive slave, the rootfs bind and its mounts left after delete.
    t.true(afterDelete.changed.length > 0, `runc made "/" a recursive slave (the reason for this difference): ${afterDelete.changed[0]}`);
    t.true(afterDelete.added.length > 0, 'runc left its mounts');
  }
  t.deepEqual(changes(hostBefore, table(), rt.base), { changed: [], added: [] }, 'the host\'s own mount table never changed');
});

test('without a mount namespace, exec runs in the container\'s root', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('sleep 30', withoutMountNs));
  fs.writeFileSync(path.join(bundle.rootfs, 'etc/hosts-marker'), 'inside the rootfs\n');
  const id = rt.id('nomnt');
  const { out } = inMountNsCopy(rt, [
    `$RT run --detach --bundle ${bundle.dir} ${id} >/dev/null 2>&1 </dev/null || exit 1`,
    `$RT exec ${id} cat /etc/hosts-marker 2>&1; echo "rc=$?"`,
    `$RT delete --force ${id}`,
  ].join('\n'));
  if (isTsrunc) t.is(out.trim(), 'inside the rootfs\nrc=0');
  else t.regex(out, /No such file/, 'runc 1.1.5\'s exec stays at the host\'s "/" (the reason for this difference)');
});

test('maskedPaths and readonlyPaths without a mount namespace are refused, naming the field, as runc does', async (t) => {
  const rt = useRuntime(t);
  for (const field of ['maskedPaths', 'readonlyPaths']) {
    const r = await rt.run((c) => {
      withoutMountNs(c);
      c.process.args = ['true'];
      c.linux[field] = ['/proc/kcore'];
    });
    t.not(r.code, 0, field);
    if (isTsrunc) t.regex(r.stderr, new RegExp(`/linux/${field}`));
    else t.regex(r.stderr, /without a private MNT namespace/);
    t.deepEqual(await rt.leftovers(r.id), { stateDir: false, processes: [], mounts: [] });
  }
  t.deepEqual(hostMounts().filter((m) => m.mountPoint.startsWith(rt.base)), []);
});
