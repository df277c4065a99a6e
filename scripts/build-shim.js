// containerd-shim-tsrunc-v2 (src/shim/) build steps:
//   node scripts/build-shim.js proto   protobuf code for the shim's messages, generated from proto/
//                                      (containerd's and ttrpc's .proto files, see proto/README.md)
//                                      by buf + protoc-gen-es into src/generated/shim/ (before tsc)
//   node scripts/build-shim.js bundle  dist/shim/shim.js (after tsc), the serving shim and `delete`,
//                                      loaded by bin/containerd-shim-tsrunc-v2.js with a V8 code
//                                      cache (`start` is the native launcher's)
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const dist = path.join(repo, 'dist', 'shim');

function proto() {
  const out = path.join(repo, 'src', 'generated', 'shim');
  fs.rmSync(out, { recursive: true, force: true });
  execFileSync(path.join(repo, 'node_modules', '.bin', 'buf'), ['generate'], { cwd: path.join(repo, 'proto'), stdio: 'inherit' });
}

async function bundle() {
  const esbuild = require('esbuild');
  const COMMON = {
    bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none', charset: 'ascii', minifyWhitespace: true,
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '\n})' },
  };
  const entry = path.join(dist, 'main.js');
  await esbuild.build({ ...COMMON, entryPoints: [entry], outfile: path.join(dist, 'shim.js') });
  // V8's compiled code (bin/containerd-shim-tsrunc-v2.js hands it over), made under the
  // binary's own V8 flags, which V8 requires of a cache.
  const bin = path.join(repo, 'bin', 'containerd-shim-tsrunc-v2.js');
  const flags = fs.readFileSync(bin, 'utf8').split('\n')[0].split(/\s+/).filter((a) => a.startsWith('--'));
  for (const name of ['shim']) {
    execFileSync(process.execPath, [...flags, '-e', `
      const fs = require('fs'); const vm = require('vm');
      const file = ${JSON.stringify(path.join(dist, `${name}.js`))};
      const script = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file });
      const mod = { exports: {} };
      script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, ${JSON.stringify(dist)});
      fs.writeFileSync(${JSON.stringify(path.join(dist, `${name}.cache`))}, script.createCachedData());
    `], { stdio: 'inherit' });
  }
}

const step = process.argv[2];
if (step === 'proto') proto();
else if (step === 'bundle') bundle().catch((e) => { console.error(e); process.exit(1); });
else {
  console.error('usage: node scripts/build-shim.js proto|bundle');
  process.exit(2);
}
