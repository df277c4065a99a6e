#!/usr/bin/env node
'use strict';
// Builds the spec layer's generated code from the OCI runtime-spec JSON schemas in schemas/.
//
//   node scripts/build-schemas.js                  verify schemas/ against schemas/manifest.json, generate src/generated/
//   node scripts/build-schemas.js --force          regenerate even if nothing changed
//   node scripts/build-schemas.js --import DIR VERSION
//                                                  copy a release's schema/*.json from DIR into schemas/ and re-pin
//                                                  (e.g. ../shared/runtime-spec-v1.3.0/schema 1.3.0)
//
// The schemas are the unchanged files of a tagged runtime-spec release (Apache-2.0, schemas/LICENSE),
// committed in schemas/ and pinned by sha256 in schemas/manifest.json: no distribution packages
// runtime-spec 1.3 yet, and a build must not depend on the network. Outputs:
//   src/generated/config-validator.ts, state-validator.ts, features-validator.ts   ajv standalone validators
//   src/generated/config.ts, state.ts, features.ts                                TypeScript types (Spec, State, Features...)
// The CLI starts for every container operation, so validators are generated ahead of time: at runtime
// only plain JS (and at most ajv/dist/runtime/*) is loaded.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const ROOT = path.resolve(__dirname, '..');
const SCHEMA_DIR = path.join(ROOT, 'schemas');
const MANIFEST_PATH = path.join(SCHEMA_DIR, 'manifest.json');
const GEN_DIR = path.join(ROOT, 'src', 'generated');
const STAMP_PATH = path.join(GEN_DIR, '.stamp');
const OUTPUTS = ['config-validator.ts', 'state-validator.ts', 'features-validator.ts', 'config.ts', 'state.ts', 'features.ts'];

class BuildError extends Error {}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function log(msg) {
  process.stderr.write(`build-schemas: ${msg}\n`);
}

function readManifest() {
  let m;
  try {
    m = JSON.parse(fs.readFileSync(MANIFEST_PATH, 'utf8'));
  } catch (e) {
    throw new BuildError(`cannot read ${path.relative(ROOT, MANIFEST_PATH)}: ${e.message}`);
  }
  if (!m.source || !m.version || !m.files || typeof m.files !== 'object') {
    throw new BuildError(`${path.relative(ROOT, MANIFEST_PATH)} must have "source", "version" and "files"`);
  }
  return m;
}

/** Fails unless every pinned file is in schemas/ with its sha256. */
function verifySchemas(m) {
  const bad = [];
  for (const [file, expected] of Object.entries(m.files)) {
    const p = path.join(SCHEMA_DIR, file);
    const actual = fs.existsSync(p) ? sha256(fs.readFileSync(p)) : '(missing)';
    if (actual !== expected) bad.push(`  schemas/${file}: expected sha256 ${expected}, got ${actual}`);
  }
  if (bad.length > 0) {
    throw new BuildError(`schemas/ differs from schemas/manifest.json (${m.source}):\n${bad.join('\n')}\n` +
      're-import the release with --import DIR VERSION rather than editing a schema');
  }
}

/** Copies DIR/*.json (a runtime-spec release's schema/ directory) into schemas/ and pins them. */
function importSchemas(dir, version) {
  if (!dir || !/^\d+\.\d+\.\d+$/.test(version || '')) throw new BuildError('usage: --import DIR VERSION (VERSION like 1.3.0)');
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (!names.includes('config-schema.json')) throw new BuildError(`${dir} has no config-schema.json`);
  for (const f of fs.readdirSync(SCHEMA_DIR)) if (f.endsWith('.json') && f !== 'manifest.json') fs.rmSync(path.join(SCHEMA_DIR, f));
  const files = {};
  for (const f of names) {
    fs.copyFileSync(path.join(dir, f), path.join(SCHEMA_DIR, f));
    files[f] = sha256(fs.readFileSync(path.join(SCHEMA_DIR, f)));
  }
  const license = path.join(dir, '..', 'LICENSE');
  if (fs.existsSync(license)) fs.copyFileSync(license, path.join(SCHEMA_DIR, 'LICENSE'));
  const out = { source: `github.com/opencontainers/runtime-spec v${version}, schema/`, version, files };
  fs.writeFileSync(MANIFEST_PATH, JSON.stringify(out, null, 2) + '\n');
  log(`imported runtime-spec ${version} (${names.length} files) from ${dir}`);
}

function readSchemas(m) {
  const out = {};
  for (const file of Object.keys(m.files)) out[file] = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
  return out;
}

// Values the 1.3.0 schema does not list but that tsrunc must accept, so that src/spec/semantics.ts
// can give a precise answer instead of a bare "must be one of" from the schema. Applied (in memory)
// to both the validators and the types; schemas/ keeps the pristine files.
const SCHEMA_ADDITIONS = [
  // runc accepts the recursive propagation modes too (they are the ones people actually use).
  { at: 'defs-linux.json#/definitions/RootfsPropagation/enum', add: ['rshared', 'rslave', 'rprivate', 'runbindable'] },
];

// Mistakes in the released schemas, corrected in memory: ajv refuses to compile them.
//  - 1.3.0 defs.json ArrayOfUint32 refers to "#definitions/uint32" (no "/" after "#").
const SCHEMA_FIXES = [
  { at: 'defs.json#/definitions/ArrayOfUint32/items', was: { $ref: '#definitions/uint32' }, is: { $ref: '#/definitions/uint32' } },
];

function applySchemaAdditions(schemas) {
  const out = structuredClone(schemas);
  for (const { at, was, is } of SCHEMA_FIXES) {
    const [file, ptr] = at.split('#');
    const parentPtr = ptr.split('/').slice(0, -1).join('/');
    const key = ptr.split('/').pop();
    const parent = out[file] && getPointer(out[file], parentPtr);
    if (!parent || JSON.stringify(parent[key]) !== JSON.stringify(was)) {
      throw new BuildError(`schema fix: ${at} is no longer ${JSON.stringify(was)} (schemas changed? drop the fix)`);
    }
    parent[key] = is;
  }
  for (const { at, add } of SCHEMA_ADDITIONS) {
    const [file, ptr] = at.split('#');
    const list = out[file] && getPointer(out[file], ptr);
    if (!Array.isArray(list)) throw new BuildError(`schema addition: ${at} is not an array (schemas changed?)`);
    for (const v of add) if (!list.includes(v)) list.push(v);
  }
  return out;
}

function toolVersion(name) {
  return require(require.resolve(`${name}/package.json`, { paths: [ROOT] })).version;
}

/** Everything the outputs depend on: if it is unchanged (and the outputs exist) there is nothing to do. */
function computeStamp(m) {
  return sha256(JSON.stringify({
    manifest: m,
    script: sha256(fs.readFileSync(__filename)),
    tools: ['ajv', 'ajv-draft-04', 'json-schema-to-typescript'].map((n) => `${n}@${toolVersion(n)}`),
  }));
}

function banner(m, what) {
  return `Generated by scripts/build-schemas.js from ${what} of the OCI runtime-spec JSON schemas\n` +
    `(${m.source}). Do not edit: run \`npm run build:schemas\`.`;
}

// ---------------------------------------------------------------------------------------------
// Validators (ajv standalone)

function generateValidator(m, schemas, rootFile) {
  const Ajv = require('ajv-draft-04').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  // draft-04 schemas; each file under its own id (its file name) so `defs.json#/definitions/x` resolves.
  // inlineRefs: false keeps one function per referenced definition: smaller code, and V8 only compiles
  // the parts a config uses (windows/solaris/vm/zos never): about 30% faster require + first call.
  const ajv = new Ajv({ allErrors: true, strict: false, inlineRefs: false, code: { source: true, esm: true } });
  for (const [file, schema] of Object.entries(schemas)) ajv.addSchema(schema, file);
  let code = standaloneCode(ajv, { validate: rootFile });

  const exportLine = /export const validate = (validate\d+);/;
  if (!exportLine.test(code)) throw new BuildError(`unexpected ajv standalone output for ${rootFile} (no "export const validate = ...")`);
  code = code.replace(/^"use strict";/, '').replace(exportLine, 'export const validate: SchemaValidator = $1;');
  // Runtime code may only use ajv's small runtime helpers, never ajv itself (startup speed).
  for (const [, mod] of code.matchAll(/(?:require\(|from\s*)["']([^"']+)["']/g)) {
    if (!mod.startsWith('ajv/dist/runtime/')) throw new BuildError(`generated validator for ${rootFile} imports ${mod}`);
  }
  const header = [
    '// @ts-nocheck',
    '/* eslint-disable */',
    ...banner(m, rootFile).split('\n').map((l) => `// ${l}`),
    '',
    '/** One ajv error (subset of ajv\'s ErrorObject that the standalone code produces). */',
    'export interface SchemaError {',
    '  keyword: string;',
    '  instancePath: string;',
    '  schemaPath: string;',
    '  params: Record<string, any>;',
    '  message?: string;',
    '}',
    '',
    '/** Returns true when `data` is valid; otherwise `validate.errors` holds every error (allErrors). */',
    'export interface SchemaValidator {',
    '  (data: unknown): boolean;',
    '  errors?: SchemaError[] | null;',
    '}',
    '',
  ].join('\n');
  return `${header}${code}\nexport default validate;\n`;
}

// ---------------------------------------------------------------------------------------------
// Types (json-schema-to-typescript)

// Names for the types, following the Go package github.com/opencontainers/runtime-spec/specs-go so
// code reads like the spec's own vocabulary. Keys: "<file>#<JSON pointer>" of the schema node.
const TITLES = {
  'config-schema.json#': 'Spec',
  'config-schema.json#/properties/hooks': 'Hooks',
  'config-schema.json#/properties/root': 'Root',
  'config-schema.json#/properties/process': 'Process',
  'config-schema.json#/properties/process/properties/consoleSize': 'Box',
  'config-schema.json#/properties/process/properties/user': 'User',
  'config-schema.json#/properties/process/properties/capabilities': 'LinuxCapabilities',
  'config-schema.json#/properties/process/properties/rlimits/items': 'POSIXRlimit',
  'defs.json#/definitions/Hook': 'Hook',
  'defs.json#/definitions/Mount': 'Mount',
  'defs.json#/definitions/IDMapping': 'LinuxIDMapping',
  'config-linux.json#/linux': 'Linux',
  'config-linux.json#/linux/properties/resources': 'LinuxResources',
  'config-linux.json#/linux/properties/resources/properties/pids': 'LinuxPids',
  'config-linux.json#/linux/properties/resources/properties/blockIO': 'LinuxBlockIO',
  'config-linux.json#/linux/properties/resources/properties/cpu': 'LinuxCPU',
  'config-linux.json#/linux/properties/resources/properties/memory': 'LinuxMemory',
  'config-linux.json#/linux/properties/resources/properties/network': 'LinuxNetwork',
  'config-linux.json#/linux/properties/resources/properties/hugepageLimits/items': 'LinuxHugepageLimit',
  'config-linux.json#/linux/properties/seccomp': 'LinuxSeccomp',
  'config-linux.json#/linux/properties/intelRdt': 'LinuxIntelRdt',
  'defs-linux.json#/definitions/Device': 'LinuxDevice',
  'defs-linux.json#/definitions/DeviceCgroup': 'LinuxDeviceCgroup',
  'defs-linux.json#/definitions/NamespaceType': 'LinuxNamespaceType',
  'defs-linux.json#/definitions/NamespaceReference': 'LinuxNamespace',
  'defs-linux.json#/definitions/RootfsPropagation': 'RootfsPropagation',
  'defs-linux.json#/definitions/blockIODevice': 'LinuxBlockIODevice',
  'defs-linux.json#/definitions/blockIODeviceWeight': 'LinuxWeightDevice',
  'defs-linux.json#/definitions/blockIODeviceThrottle': 'LinuxThrottleDevice',
  'defs-linux.json#/definitions/NetworkInterfacePriority': 'LinuxInterfacePriority',
  'defs-linux.json#/definitions/Rdma': 'LinuxRdma',
  'defs-linux.json#/definitions/Syscall': 'LinuxSyscall',
  'defs-linux.json#/definitions/SyscallArg': 'LinuxSeccompArg',
  'defs-linux.json#/definitions/SeccompAction': 'LinuxSeccompAction',
  'defs-linux.json#/definitions/SeccompArch': 'Arch',
  'defs-linux.json#/definitions/SeccompFlag': 'LinuxSeccompFlag',
  'defs-linux.json#/definitions/SeccompOperators': 'LinuxSeccompOperator',
  'defs-linux.json#/definitions/Personality': 'LinuxPersonality',
  'defs-linux.json#/definitions/PersonalityDomain': 'LinuxPersonalityDomain',
  'config-solaris.json#/solaris': 'Solaris',
  'config-windows.json#/windows': 'Windows',
  'defs-windows.json#/definitions/Device': 'WindowsDevice',
  'config-vm.json#/vm': 'VM',
  'config-zos.json#/zos': 'ZOS',
  'config-freebsd.json#/freebsd': 'FreeBSD',
  'config-schema.json#/properties/process/properties/ioPriority': 'LinuxIOPriority',
  'config-schema.json#/properties/process/properties/scheduler': 'Scheduler',
  'config-schema.json#/properties/process/properties/execCPUAffinity': 'CPUAffinity',
  'config-linux.json#/linux/properties/memoryPolicy': 'LinuxMemoryPolicy',
  'config-linux.json#/linux/properties/timeOffsets': 'LinuxTimeOffsets',
  'defs-linux.json#/definitions/TimeOffsets': 'LinuxTimeOffset',
  'defs-linux.json#/definitions/NetDevice': 'LinuxNetDevice',
  'defs-linux.json#/definitions/MemoryPolicyMode': 'MemoryPolicyModeType',
  'defs-linux.json#/definitions/MemoryPolicyFlag': 'MemoryPolicyFlagType',
  'defs-linux.json#/definitions/SchedulerPolicy': 'LinuxSchedulerPolicy',
  'defs-linux.json#/definitions/SchedulerFlag': 'LinuxSchedulerFlag',
  'features-schema.json#': 'Features',
  'features-linux.json#/linux': 'LinuxFeatures',
  'features-linux.json#/linux/properties/cgroup': 'CgroupFeatures',
  'features-linux.json#/linux/properties/seccomp': 'SeccompFeatures',
  'features-linux.json#/linux/properties/apparmor': 'ApparmorFeatures',
  'features-linux.json#/linux/properties/selinux': 'SelinuxFeatures',
  'features-linux.json#/linux/properties/intelRdt': 'IntelRdtFeatures',
  'features-linux.json#/linux/properties/mountExtensions': 'MountExtensionsFeatures',
  'features-linux.json#/linux/properties/mountExtensions/properties/idmap': 'IDMapFeatures',
  'features-linux.json#/linux/properties/netDevices': 'NetDevicesFeatures',
  'state-schema.json#': 'State',
};

// 64-bit integers above 2^53 are parsed as bigint by src/spec/load.ts (lossless-json), so the types say so.
const BIGINT_DEFS = ['defs.json#/definitions/int64', 'defs.json#/definitions/uint64'];

function getPointer(doc, ptr) {
  let node = doc;
  for (const raw of ptr.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Returns the root schema with every $ref replaced by the (shared) target object, plus titles and
 * tsType annotations. Doing the dereferencing here instead of in json-schema-to-typescript means types
 * are named only where TITLES says so; small definitions (ArrayOfStrings, uint32, ...) are inlined.
 */
function typeSchema(schemas, rootFile) {
  const docs = structuredClone(schemas);
  for (const [key, title] of Object.entries(TITLES)) {
    const [file, ptr] = key.split('#');
    const node = docs[file] && getPointer(docs[file], ptr);
    if (!node) throw new BuildError(`type name ${title}: no schema node ${key} (schemas changed? update TITLES)`);
    node.title = title;
  }
  for (const key of BIGINT_DEFS) {
    const [file, ptr] = key.split('#');
    const node = getPointer(docs[file], ptr);
    if (!node) throw new BuildError(`no schema node ${key}`);
    node.tsType = 'number | bigint';
  }
  // A map of strings is written with patternProperties {".{1,}": ...}; as additionalProperties it becomes a
  // plain `{ [k: string]: string | undefined }` instead of an interface with a confusing generated comment.
  const seenForMaps = new Set();
  const mapPatterns = (node) => {
    if (node === null || typeof node !== 'object' || seenForMaps.has(node)) return;
    seenForMaps.add(node);
    const pp = node.patternProperties;
    if (pp && Object.keys(pp).length === 1 && pp['.{1,}'] && node.additionalProperties === undefined) {
      node.additionalProperties = pp['.{1,}'];
      delete node.patternProperties;
    }
    for (const v of Object.values(node)) mapPatterns(v);
  };
  for (const doc of Object.values(docs)) mapPatterns(doc);

  const resolving = new Map();
  const resolveRef = (ref, baseFile) => {
    const [filePart, ptr = ''] = ref.split('#');
    const file = filePart || baseFile;
    const key = `${file}#${ptr}`;
    if (resolving.has(key)) return resolving.get(key);
    const target = docs[file] && getPointer(docs[file], ptr);
    if (!target) throw new BuildError(`unresolvable $ref ${ref} in ${baseFile}`);
    if (typeof target.$ref === 'string') {
      // An alias definition (UID -> uint32): use the final target.
      const final = resolveRef(target.$ref, file);
      resolving.set(key, final);
      return final;
    }
    resolving.set(key, target);
    walk(target, file);
    return target;
  };
  const walked = new Set();
  const walk = (node, file) => {
    if (node === null || typeof node !== 'object' || walked.has(node)) return;
    walked.add(node);
    for (const [k, v] of Object.entries(node)) {
      if (v && typeof v === 'object' && typeof v.$ref === 'string') {
        const target = resolveRef(v.$ref, file);
        // A description next to a $ref would be lost; none exist in these schemas, keep it simple.
        node[k] = target;
      } else {
        walk(v, file);
      }
    }
  };
  const root = docs[rootFile];
  walk(root, rootFile);
  delete root.$schema;
  return root;
}

async function generateTypes(m, schemas, rootFile, name) {
  const { compile } = require('json-schema-to-typescript');
  const schema = typeSchema(schemas, rootFile);
  const bannerComment = `/* eslint-disable */\n/**\n${banner(m, rootFile).split('\n').map((l) => ` * ${l}`).join('\n')}\n */`;
  return compile(schema, name, {
    bannerComment,
    additionalProperties: false, // no `[k: string]: unknown` on every interface; unknown fields are ignored anyway
    declareExternallyReferenced: true,
    unreachableDefinitions: false,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 110 },
  });
}

// ---------------------------------------------------------------------------------------------

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return false;
  fs.writeFileSync(file, content);
  return true;
}

async function main(argv) {
  if (argv[0] === '--import') return importSchemas(argv[1], argv[2]);
  const args = new Set(argv);
  for (const a of args) if (a !== '--force') throw new BuildError(`unknown argument ${a}`);

  const m = readManifest();
  verifySchemas(m);
  fs.mkdirSync(GEN_DIR, { recursive: true });
  const stamp = computeStamp(m);
  const upToDate = !args.has('--force') &&
    fs.existsSync(STAMP_PATH) && fs.readFileSync(STAMP_PATH, 'utf8').trim() === stamp &&
    OUTPUTS.every((f) => fs.existsSync(path.join(GEN_DIR, f)));
  if (upToDate) {
    log(`up to date (runtime-spec ${m.version})`);
    return;
  }

  const schemas = applySchemaAdditions(readSchemas(m));
  for (const f of ['config-schema.json', 'state-schema.json', 'features-schema.json']) {
    if (!schemas[f]) throw new BuildError(`schemas/manifest.json does not list ${f}`);
  }
  const outputs = {
    'config-validator.ts': generateValidator(m, schemas, 'config-schema.json'),
    'state-validator.ts': generateValidator(m, schemas, 'state-schema.json'),
    'features-validator.ts': generateValidator(m, schemas, 'features-schema.json'),
    'config.ts': await generateTypes(m, schemas, 'config-schema.json', 'Spec'),
    'state.ts': await generateTypes(m, schemas, 'state-schema.json', 'State'),
    'features.ts': await generateTypes(m, schemas, 'features-schema.json', 'Features'),
  };
  const changed = Object.entries(outputs).filter(([f, c]) => writeIfChanged(path.join(GEN_DIR, f), c)).map(([f]) => f);
  fs.writeFileSync(STAMP_PATH, stamp + '\n');
  log(`runtime-spec ${m.version} schemas; generated src/generated/ (${changed.length ? `changed: ${changed.join(', ')}` : 'unchanged'})`);
}

/** The schemas of schemas/ as the generated validators see them (fixes applied), keyed by file name:
 * for tests that check documents against the schemas independently of the generated code. */
function correctedSchemas() {
  const m = readManifest();
  verifySchemas(m);
  return applySchemaAdditions(readSchemas(m));
}
module.exports = { correctedSchemas };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    if (e instanceof BuildError) {
      process.stderr.write(`build-schemas: error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  });
}
