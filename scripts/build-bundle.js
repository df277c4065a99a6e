// Bundles the CLI (after tsc) into the files bin/tsrunc loads, each with esbuild:
//   dist/cli/tsrunc.js          the whole CLI (src/cli/main.ts)
//   dist/cli/tsrunc-<verb>.js   one verb (bin/tsrunc's VERB_BUNDLES) and --version
//                               (src/cli/fast-path.ts verbMain), holding only that verb's modules, so the
//                               verbs clients call read, deserialise and evaluate far less
// Modules load lazily in two tables: runtime.ts's `lazy` (one entry per verb's implementation) and
// fast-path.ts's COMMANDS (one command module per verb). Bundling follows
// those require()s too, which would pull every verb back into every bundle; in a verb's bundle the
// entries its verb does not use resolve to a module that throws if it is ever evaluated (a build
// mistake the verb's tests would show), never silently.
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
  bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none', charset: 'ascii', minifyWhitespace: true,
  banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
  footer: { js: '\n})' },
};

/** Every require() inside `const <name> = { ... };` of a dist file: a table of lazy modules. */
function lazyTable(file, name) {
  const table = new RegExp(`(?:const |exports\\.)${name} = \\{([\\s\\S]*?)\\n\\};`).exec(fs.readFileSync(file, 'utf8'));
  if (!table) throw new Error(`build-bundle: no \`const ${name} = {...}\` table in ${file}`);
  const mods = [...table[1].matchAll(/require\(['"]([^'"]+)['"]\)/g)].map((m) => m[1]);
  if (mods.length === 0) throw new Error(`build-bundle: the ${name} table of ${file} has no require()`);
  return mods;
}

const LAZY_TABLES = [
  { importer: path.join(dist, 'runtime', 'runtime.js'), table: 'lazy' },
  { importer: path.join(dist, 'cli', 'fast-path.js'), table: 'COMMANDS' },
];

// What each verb's bundle keeps of the lazy tables (everything else is a throwing stub).
const KEEP = {
  version: [],
  state: ['./commands/state'],
  start: ['./commands/start', './start'],
  kill: ['./commands/kill', './kill'],
  delete: ['./commands/delete', './delete'],
  create: ['./commands/create', './create'],
  run: ['./commands/run', './run'],
  exec: ['./commands/exec', './exec'],
};

/** Stubs every lazily required module of the tables except `keep`. */
const onlyVerb = (keep) => {
  const stubbed = new Map(LAZY_TABLES.map(({ importer, table }) => [importer, new Set(lazyTable(importer, table).filter((m) => !keep.includes(m)))]));
  return {
    name: 'only-this-verb',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (a) => (stubbed.get(a.importer)?.has(a.path) ? { path: a.path, namespace: 'not-in-bundle' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'not-in-bundle' }, (a) => ({
        contents: `throw new Error(${JSON.stringify(`tsrunc: ${a.path} is not in this verb's bundle (scripts/build-bundle.js)`)});`,
      }));
    },
  };
};

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
  const { VERB_BUNDLES } = require('../bin/tsrunc');
  const missing = VERB_BUNDLES.filter((v) => !KEEP[v]);
  if (missing.length > 0) throw new Error(`build-bundle: no KEEP entry for ${missing.join(', ')}`);
  const full = path.join(dist, 'cli', 'tsrunc.js');
  await esbuild.build({ ...COMMON, entryPoints: [path.join(dist, 'cli', 'main.js')], outfile: full, plugins: [plainBuiltins] });
  checkNoRelativeRequire(full);
  for (const verb of Object.keys(KEEP)) {
    const outfile = path.join(dist, 'cli', `tsrunc-${verb}.js`);
    await esbuild.build({ ...COMMON, entryPoints: [path.join(dist, 'cli', 'fast-path.js')], outfile, plugins: [onlyVerb(KEEP[verb]), plainBuiltins] });
    checkNoRelativeRequire(outfile);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
