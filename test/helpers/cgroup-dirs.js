'use strict';
// Where containers' cgroups land on this host, found from the host itself: the cgroup hierarchies
// mounted (v1 controllers and cgroup2), and in each our own cgroup's parent, where a relative or
// default cgroupsPath (the container id) puts them. Used by every test's teardown (a cgroup left
// behind fails the test) and by the torture suite's leak checker.
const fs = require('node:fs');
const path = require('node:path');

const CGROUP_ROOT = '/sys/fs/cgroup';
const isUnder = (p, dir) => p === dir || p.startsWith(dir + '/');
const { detectHost } = require('../../dist/cgroups/host');

/**
 * The cgroup hierarchies mounted on this host (v1 controllers and cgroup2), as directories: from
 * tsrunc's own layout detector (dist/cgroups/host.js), which leaves out mounts hidden under others.
 */
function hierarchies() {
  const host = detectHost();
  const seen = new Set();
  const dirs = [];
  for (const mountPoint of [...host.v1Hierarchies.map((h) => h.mountPoint), ...(host.unifiedRoot ? [host.unifiedRoot] : [])]) {
    if (!isUnder(mountPoint, CGROUP_ROOT)) continue;
    const key = fs.realpathSync(mountPoint);
    if (!seen.has(key)) { seen.add(key); dirs.push(mountPoint); }
  }
  return dirs;
}

/** Our own cgroup's parent in each hierarchy: where relative and default cgroupsPaths land. */
function searchRoots() {
  const own = new Map();
  let text = '';
  try { text = fs.readFileSync('/proc/self/cgroup', 'utf8'); } catch { /* no cgroups */ }
  for (const line of text.split('\n').filter(Boolean)) {
    const [, controllers, p] = line.split(':');
    own.set(controllers, p);
  }
  return [...new Set(hierarchies().map((dir) => {
    const name = path.basename(dir);
    const entry = [...own].find(([c]) => (name === 'unified' ? c === '' : c.split(',').includes(name.split(',')[0])));
    const rel = entry ? path.dirname(entry[1]) : '/';
    return path.join(dir, rel);
  }))];
}

/** Cgroup directories (any hierarchy, up to 6 levels below our own cgroup's parent) whose name contains one of `names`. */
function cgroupsNamed(names) {
  const found = [];
  const walk = (dir, depth) => {
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (names.some((n) => e.name.includes(n))) found.push(p);
      if (depth < 6) walk(p, depth + 1);
    }
  };
  for (const root of searchRoots()) walk(root, 0);
  return found;
}

/** The directories a container `id` with the default cgroupsPath has, in every hierarchy, that exist now. */
const defaultCgroupDirs = (id) => searchRoots().map((root) => path.join(root, id)).filter((d) => fs.existsSync(d));

module.exports = { hierarchies, searchRoots, cgroupsNamed, defaultCgroupDirs };
