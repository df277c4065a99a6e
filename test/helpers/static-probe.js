'use strict';
// Small C programs for tests: built once per test process (cc), static when they run inside a
// container (the rootfs has no libc of the host's), and copied into a bundle's rootfs.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let dir;
const built = new Map();

/** Builds `source` as `name` (static unless `libs` are given for a host tool); returns its path. */
function buildProgram(name, source, { libs = [] } = {}) {
  if (built.has(name)) return built.get(name);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-probes-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const src = path.join(dir, `${name}.c`);
  const bin = path.join(dir, name);
  fs.writeFileSync(src, source);
  execFileSync('cc', [...(libs.length ? [] : ['-static']), '-O2', '-o', bin, src, ...libs]);
  built.set(name, bin);
  return bin;
}

/** Copies a built program into `rootfs` as /<name>, executable. */
function installProgram(rootfs, bin) {
  const dest = path.join(rootfs, path.basename(bin));
  fs.copyFileSync(bin, dest);
  fs.chmodSync(dest, 0o755);
  return `/${path.basename(bin)}`;
}

module.exports = { buildProgram, installProgram };
