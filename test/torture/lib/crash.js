'use strict';
// Shared by the crash-consistency files (10-crash-*.test.js ... 1x): what a trial checks after
// tsrunc was killed, and the host invariants every trial must keep.
//
//   const host = hostSnapshot(bundle);         // before the trials
//   const problems = await afterCrash(rt, id, host);   // [] when delete --force left nothing
const fs = require('node:fs');
const path = require('node:path');
const { findLeaks, countLeaks, hostDevices, treeDigest, treeDiff } = require('./leaks');

/** What must never change on the host: its device nodes and the bundle's rootfs. */
function hostSnapshot(bundle) {
  return { devices: hostDevices(), rootfs: treeDigest(bundle.rootfs), bundle };
}

/** Differences from `snap` (empty: unchanged). */
function hostChanges(snap) {
  const out = [];
  const devices = hostDevices();
  for (const [dev, desc] of Object.entries(snap.devices)) if (devices[dev] !== desc) out.push(`/dev/${dev}: ${desc} -> ${devices[dev]}`);
  const rootfs = treeDigest(snap.bundle.rootfs);
  if (rootfs.digest !== snap.rootfs.digest) out.push(...treeDiff(snap.rootfs, rootfs).map((d) => `rootfs ${d}`));
  return out;
}

/**
 * Whether pid belongs to this test: its environment has the test's marker (runtime and container
 * processes), or it is in a cgroup named after one of `ids` (an init that has not exec'd yet).
 */
function isOurs(rt, pid, ids) {
  const read = (f) => { try { return fs.readFileSync(f, 'latin1'); } catch { return ''; } };
  if (read(`/proc/${pid}/environ`).includes(rt.marker + '\0')) return true;
  const cgroups = read(`/proc/${pid}/cgroup`);
  return ids.some((id) => cgroups.includes(id));
}

/**
 * findLeaks, with the fds of other tests' processes left out: the leak checker sees every process
 * on the host holding a tsrunc memfd, and the other suites on this host run tsrunc all the time.
 * An fd into this test's temp dir always counts.
 */
async function leaksOf(rt, ids) {
  const leaks = await findLeaks(rt, ids);
  leaks.fds = leaks.fds.filter((f) => {
    const [, pid, target] = /^pid (\d+) fd \d+ -> (.*)$/.exec(f) ?? [];
    return !target || !target.startsWith('/memfd:') || isOurs(rt, pid, ids);
  });
  return leaks;
}

/**
 * After tsrunc was killed at some instant of a verb on container `id`: `list` must work (and show
 * the id exactly when its state dir exists), `delete --force` must succeed, and then nothing may be
 * left: no process, mount, cgroup, state dir, fd; the host devices and rootfs unchanged; nothing
 * in --root but its lock file. Returns the problems found ([] = clean) and the leak count.
 */
async function afterCrash(rt, id, host) {
  const problems = [];
  const list = await rt.runtime(['list', '--format', 'json']);
  if (list.code !== 0) {
    problems.push(`list failed (${list.code}): ${list.stderr.trim()}`);
  } else {
    const listed = (JSON.parse(list.stdout) ?? []).some((s) => s.id === id);
    const exists = fs.existsSync(path.join(rt.root, id));
    if (listed !== exists) problems.push(`list ${listed ? 'shows' : 'omits'} ${id}, whose state dir ${exists ? 'exists' : 'does not'}`);
  }
  const del = await rt.runtime(['delete', '--force', id]);
  if (del.code !== 0) problems.push(`delete --force failed (${del.code}): ${del.stderr.trim()}`);
  const leaks = await leaksOf(rt, [id]);
  for (const [kind, list] of Object.entries(leaks)) for (const l of list) problems.push(`leak (${kind}): ${l}`);
  let rest = [];
  try { rest = fs.readdirSync(rt.root).filter((n) => n !== '.lock' && n !== id); } catch { /* no root yet */ }
  for (const n of rest) problems.push(`left in --root: ${n}`);
  problems.push(...hostChanges(host));
  return { problems, leaks: countLeaks(leaks) + rest.length };
}

module.exports = { hostSnapshot, hostChanges, leaksOf, afterCrash };
