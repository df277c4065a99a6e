// Loads the bundled CLI as a CommonJS module through vm.Script, so V8 can be handed the code
// cache made at build time (scripts/build-code-cache.js). Node 20 has no built-in compile cache.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

function loadBundleScript(file, cachedData) {
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return { exports: mod.exports, script };
}

module.exports = { loadBundleScript };
