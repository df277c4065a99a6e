'use strict';
// What a container (or a runtime killed half-way) can leave behind on the host, found by looking
// at the host itself rather than by asking the runtime:
//   processes  live processes whose environment carries the test's marker (every container
//              process and every runtime process of a useRuntime() context has it)
//   mounts     mounts in ANY mount namespace on the host (every /proc/<pid>/ns/mnt, deduplicated)
//              whose mount point or source lies under the test's temp dir
//   cgroups    directories in every cgroup hierarchy (v1 controllers and cgroup2) named after one of
//              the test's container ids (the default cgroupsPath is the id)
//   state      the --root's entries for the ids (state dir, lock, FIFO)
//   fds        fds held by any process that point into the test's temp dir or at a tsrunc memfd
//
//   const { findLeaks, hostDevices, treeDigest } = require('./lib/leaks');
//   const leaks = await findLeaks(rt, ids);   // {processes, mounts, cgroups, state, fds}; all []
//   t.deepEqual(leaks, NO_LEAKS)              // or count(leaks) for a figure
//
// hostDevices() and treeDigest(dir) snapshot what must never change (host device nodes, a rootfs
// or a bind-mounted host directory): compare a snapshot taken before the trials with one after.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseMountinfo, waitFor } = require('../../helpers/runtime');
const { cgroupsNamed } = require('../../helpers/cgroup-dirs');

const NO_LEAKS = Object.freeze({ processes: [], mounts: [], cgroups: [], state: [], fds: [] });
const isUnder = (p, dir) => p === dir || p.startsWith(dir + '/');

const pids = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
const tryRead = (file, enc = 'utf8') => { try { return fs.readFileSync(file, enc); } catch { return null; } };
const tryLink = (file) => { try { return fs.readlinkSync(file); } catch { return null; } };

/** Live (non-zombie) pids whose environment holds `marker` ("VAR=value"). */
function markedProcesses(marker) {
  return pids().filter((pid) => {
    const environ = tryRead(`/proc/${pid}/environ`, 'latin1');
    if (!environ || !environ.includes(marker + '\0')) return false;
    const stat = tryRead(`/proc/${pid}/stat`) || '';
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  }).map(Number);
}

/** Every mount, in every mount namespace a process on the host is in, that touches `dir`. */
function mountsUnder(dir) {
  const seen = new Set();
  const found = [];
  for (const pid of ['self', ...pids()]) {
    const ns = tryLink(`/proc/${pid}/ns/mnt`);
    if (!ns || seen.has(ns)) continue;
    seen.add(ns);
    const text = tryRead(`/proc/${pid}/mountinfo`);
    if (!text) continue;
    for (const m of parseMountinfo(text)) {
      // A container's own mount namespace sees its rootfs at "/": its source field names the host
      // device, not the path, so the mount point is what tells (a host-side view) and the root
      // field (the path inside the source filesystem) what tells from inside.
      if (isUnder(m.mountPoint, dir) || isUnder(m.source, dir) || isUnder(m.root, dir)) {
        found.push(`${ns} (pid ${pid}): ${m.mountPoint} [${m.fsType} ${m.root}]`);
      }
    }
  }
  return found;
}

/**
 * fds of any process that point into `dir`, or at a tsrunc memfd (the sealed init helper) when
 * the process is the test's: `ours(pid)` (other tests and other users of tsrunc on the host hold
 * such memfds too, legitimately, while their containers are being created).
 */
function fdsInto(dir, ours = () => true) {
  const found = [];
  for (const pid of pids()) {
    let fds;
    try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      const target = tryLink(`/proc/${pid}/fd/${fd}`);
      if (target && (isUnder(target, dir) || (target.startsWith('/memfd:tsrunc') && ours(pid)))) found.push(`pid ${pid} fd ${fd} -> ${target}`);
    }
  }
  return found;
}

/**
 * True when process `pid` belongs to the test: it carries the marker, runs in the test's temp dir
 * (the runtime's cwd, which tsrunc-init inherits), or is in a cgroup named after one of `names`.
 */
function isTestProcess(pid, marker, dir, names) {
  const environ = tryRead(`/proc/${pid}/environ`, 'latin1');
  if (environ && environ.includes(marker + '\0')) return true;
  const cwd = tryLink(`/proc/${pid}/cwd`);
  if (cwd && isUnder(cwd, dir)) return true;
  const cgroups = tryRead(`/proc/${pid}/cgroup`) || '';
  return cgroups.split('\n').some((line) => names.some((n) => line.slice(line.lastIndexOf('/') + 1).includes(n)));
}

/**
 * What the containers `ids` of useRuntime() context `rt` left behind (all lists empty: nothing).
 * Waits up to `settle` ms for processes to finish exiting (a SIGKILLed init's reaping is async).
 * `names`: strings that name the test's cgroups (default: the ids).
 */
async function findLeaks(rt, ids, { settle = 3000, names = ids } = {}) {
  await waitFor(() => markedProcesses(rt.marker).length === 0, { timeout: settle }).catch(() => {});
  return {
    processes: markedProcesses(rt.marker).map((pid) => `${pid} ${(tryRead(`/proc/${pid}/cmdline`) || '').replace(/\0/g, ' ').trim()}`),
    mounts: mountsUnder(rt.base),
    cgroups: names.length ? cgroupsNamed(names) : [],
    state: ids.filter((id) => fs.existsSync(path.join(rt.root, id))).map((id) => path.join(rt.root, id)),
    fds: fdsInto(rt.base, (pid) => isTestProcess(pid, rt.marker, rt.base, names)),
  };
}

/** Number of leaked things in a findLeaks() result. */
const countLeaks = (leaks) => Object.values(leaks).reduce((n, list) => n + list.length, 0);

/** Owner, mode, type and device numbers of the host's device nodes that runtimes are known to touch. */
function hostDevices() {
  const out = {};
  for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'ptmx']) {
    try {
      const s = fs.statSync(`/dev/${dev}`);
      out[dev] = `${s.uid}:${s.gid} ${(s.mode & 0o177777).toString(8)} rdev=${s.rdev}`;
    } catch (e) {
      out[dev] = e.code;
    }
  }
  return out;
}

/**
 * A digest of a directory tree: every entry's type, mode, owner, size, link target and content hash.
 * Never crosses into another filesystem (a mount left under it would show as a difference).
 * Returns {digest, entries} (entries: path -> description, to report what changed).
 */
function treeDigest(root) {
  const entries = new Map();
  const rootDev = fs.lstatSync(root).dev;
  const walk = (rel) => {
    const abs = path.join(root, rel);
    const s = fs.lstatSync(abs);
    let desc = `${(s.mode & 0o177777).toString(8)} ${s.uid}:${s.gid}`;
    if (s.isSymbolicLink()) desc += ` -> ${fs.readlinkSync(abs)}`;
    else if (s.isFile()) desc += ` ${s.size} ${crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex')}`;
    else if (s.isCharacterDevice() || s.isBlockDevice()) desc += ` rdev=${s.rdev}`;
    if (s.dev !== rootDev) desc += ' (another filesystem)';
    entries.set(rel || '.', desc);
    if (s.isDirectory() && s.dev === rootDev) {
      for (const name of fs.readdirSync(abs).sort()) walk(path.join(rel, name));
    }
  };
  walk('');
  const hash = crypto.createHash('sha256');
  for (const [p, d] of entries) hash.update(`${p}\0${d}\n`);
  return { digest: hash.digest('hex'), entries };
}

/** Paths whose description differs between two treeDigest() results (added, removed or changed). */
function treeDiff(before, after) {
  const changed = [];
  for (const [p, d] of before.entries) if (after.entries.get(p) !== d) changed.push(`${p}: ${d} -> ${after.entries.get(p) ?? 'gone'}`);
  for (const p of after.entries.keys()) if (!before.entries.has(p)) changed.push(`${p}: added`);
  return changed;
}

module.exports = { NO_LEAKS, findLeaks, countLeaks, markedProcesses, mountsUnder, cgroupsNamed, fdsInto, hostDevices, treeDigest, treeDiff };
