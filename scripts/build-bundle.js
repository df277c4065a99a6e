// Bundles the CLI (after tsc) into the two files bin/tsrunc loads, each with esbuild:
//   dist/cli/tsrunc.js      the whole CLI (src/cli/main.ts)
//   dist/cli/tsrunc-hot.js  state/start/kill/delete in the shapes clients send, and --version
//                           (src/cli/hot-main.ts): ~1/6 of the size, so those verbs read,
//                           deserialise and evaluate far less at every start
// The hot entry reaches the Runtime class, whose other verbs load their modules on first use
// (`lazy` in src/runtime/runtime.ts). Bundling follows those require()s too, which would pull the
// config validators and compilers back in; in the hot bundle they resolve to a module that throws
// if it is ever evaluated (a build mistake the hot verbs' tests would show), never silently.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const dist = path.join(repo, 'dist');
// Each bundle is written already wrapped as Node wraps a CommonJS module, and in ASCII (esbuild
// escapes the rest): bin/tsrunc reads it as latin1 (a plain copy, no UTF-8 decoding) and hands it
// to V8 as is, without building a second copy of ~0.8 MB around it (~0.5 MiB of peak RSS).
const COMMON = {
  bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none', charset: 'ascii',
  banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
  footer: { js: '\n})' },
};

/** The modules runtime.ts loads lazily: every require() inside its `const lazy = { ... };` table. */
function lazyModules() {
  const file = path.join(dist, 'runtime', 'runtime.js');
  const table = /const lazy = \{([\s\S]*?)\n\};/.exec(fs.readFileSync(file, 'utf8'));
  if (!table) throw new Error(`build-bundle: no \`const lazy = {...}\` table in ${file}`);
  const mods = [...table[1].matchAll(/require\(['"]([^'"]+)['"]\)/g)].map((m) => m[1]);
  if (mods.length === 0) throw new Error(`build-bundle: the lazy table of ${file} has no require()`);
  return { importer: file, mods: new Set(mods) };
}

// tsc's esModuleInterop turns each `import * as fs from 'node:fs'` into __importStar(require(...)),
// which copies every property of the built-in module into a new object with a getter each: ~100
// for fs, in every module that imports it, at every start (~1 ms of the hot verbs' time). A
// built-in is a plain object whose properties the code only reads, so the module itself serves.
const { builtinModules } = require('node:module');
const BUILTIN_STAR = new RegExp(`__importStar\\(require\\("((?:node:)?(?:${builtinModules.join('|')}))"\\)\\)`, 'g');
const plainBuiltins = {
  name: 'plain-builtins',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (a) => ({
      contents: fs.readFileSync(a.path, 'utf8').replace(BUILTIN_STAR, 'require("$1")'),
      loader: 'js',
    }));
  },
};

const notInHot = ({ importer, mods }) => ({
  name: 'not-in-hot-bundle',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (a) => (a.importer === importer && mods.has(a.path) ? { path: a.path, namespace: 'not-in-hot' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'not-in-hot' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`tsrunc: ${a.path} is not in the hot bundle (scripts/build-bundle.js)`)});`,
    }));
  },
});

/**
 * bin/tsrunc hands each bundle its own require(): a relative require would resolve from bin/, not
 * from the bundle. Everything is bundled but built-in modules and the addon (an absolute path), so
 * a relative require() left in a bundle is a build mistake.
 */
function checkNoRelativeRequire(file) {
  const found = /\brequire\((["'])\.{1,2}\//.exec(fs.readFileSync(file, 'latin1'));
  if (found) throw new Error(`build-bundle: ${file} has a relative require() bin/tsrunc cannot serve`);
}

async function main() {
  const full = path.join(dist, 'cli', 'tsrunc.js');
  const hot = path.join(dist, 'cli', 'tsrunc-hot.js');
  await esbuild.build({ ...COMMON, entryPoints: [path.join(dist, 'cli', 'main.js')], outfile: full, plugins: [plainBuiltins] });
  await esbuild.build({
    ...COMMON,
    entryPoints: [path.join(dist, 'cli', 'hot-main.js')],
    outfile: hot,
    plugins: [notInHot(lazyModules()), plainBuiltins],
  });
  for (const file of [full, hot]) checkNoRelativeRequire(file);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
