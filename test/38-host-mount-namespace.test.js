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

test('without a mount namespace, the host\'s mount table is as it was after delete (runc leaves it changed)', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle(shell('sleep 30', withoutMountNs));
  const id = rt.id('nomnt');
  const hostBefore = table();
  const { snap } = inMountNsCopy(rt, [
    'cat /proc/self/mountinfo > $SNAP/before',
    `$RT create --bundle ${bundle.dir} ${id} || exit 1`,
    'cat /proc/self/mountinfo > $SNAP/running',
    `$RT delete --force ${id} || exit 1`,
    'cat /proc/self/mountinfo > $SNAP/after',
  ].join('\n'));
  const before = fs.readFileSync(path.join(snap, 'before'), 'utf8');
  const running = fs.readFileSync(path.join(snap, 'running'), 'utf8');
  const after = fs.readFileSync(path.join(snap, 'after'), 'utf8');
  if (isTsrunc) {
    t.is(after, before, 'the mount table after delete is the one before create');
    // While it runs: the lines that were there are unchanged (propagation included), and every
    // new mount is at or under the rootfs.
    const beforeLines = before.trim().split('\n');
    const runningLines = running.trim().split('\n');
    for (const line of beforeLines) t.true(runningLines.includes(line), `unchanged while it runs: ${line}`);
    const added = runningLines.filter((l) => !beforeLines.includes(l));
    t.true(added.length > 1, 'the container has mounts');
    const rootfs = fs.realpathSync(bundle.rootfs);
    for (const line of added) {
      const mp = line.split(' ')[4];
      t.true(mp === rootfs || mp.startsWith(rootfs + '/'), `new mount under the rootfs: ${line}`);
    }
  } else {
    // runc 1.1.5: "/" made a recursive slave, the rootfs bind and its mounts left after delete.
    t.not(after, before, 'runc changes the mount table (the reason for this difference)');
  }
  t.is(table(), hostBefore, 'the host\'s own mount table never changed');
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
