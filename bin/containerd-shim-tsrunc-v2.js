#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --lite-mode --no-expose-wasm --max-semi-space-size=1
// containerd-shim-tsrunc-v2's TypeScript roles (src/shim/): the serving shim, `delete`, `-v`.
// containerd runs bin/containerd-shim-tsrunc-v2 (`ctr run --runtime io.containerd.tsrunc.v2`, a CRI
// runtime_type "io.containerd.tsrunc.v2"), the native launcher (native/shim/launcher.cc), which
// answers `start` itself and execs this file for everything else.
// Node flags as bin/tsrunc's (no CA certificates, no optimising compilers: a shim waits on I/O),
// plus a small young generation (--max-semi-space-size, MiB): the serving shim lives as long as
// its containers, and its resident memory is what it costs the host.
// It loads the shim's bundle (scripts/build-shim.js) with V8's code cache.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'dist', 'shim');

function load(name) {
  const file = path.join(dir, `${name}.js`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(path.join(dir, `${name}.cache`));
  } catch {
    // no cache: V8 compiles as usual
  }
  const script = new (require('node:vm').Script)(fs.readFileSync(file, 'latin1'), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, dir);
  return mod.exports;
}

function entry() {
  if (!fs.existsSync(path.join(dir, 'shim.js'))) return require('../dist/shim/main.js'); // built with tsc only
  return load('shim');
}

const args = process.argv.slice(2);
entry().shimMain(args).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`containerd-shim-tsrunc-v2: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
