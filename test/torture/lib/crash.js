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
  const leaks = await findLeaks(rt, [id]);
  for (const [kind, list] of Object.entries(leaks)) for (const l of list) problems.push(`leak (${kind}): ${l}`);
  let rest = [];
  try { rest = fs.readdirSync(rt.root).filter((n) => n !== id); } catch { /* no root yet */ }
  for (const n of rest) problems.push(`left in --root: ${n}`);
  problems.push(...hostChanges(host));
  return { problems, leaks: countLeaks(leaks) + rest.length };
}

module.exports = { hostSnapshot, hostChanges, afterCrash };
