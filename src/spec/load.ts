// Loading a bundle: read <bundle>/config.json, parse it without losing 64-bit integers, check it against
// the schema and the semantic rules, and hand back a typed Spec (or one error listing every problem).

import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, TsruncError, type ConfigProblem } from '../errors';
import type { Spec } from '../generated/config';
import { parseJson64 } from './json64';
import { InputError, readInput } from './read-input';
import { checkSemantics } from './semantics';
import { validateConfig } from './validate';

export interface LoadedBundle {
  /** Absolute bundle directory, symlinks resolved. */
  bundle: string;
  /** Absolute path of config.json ('' for a config given as an object). */
  configPath: string;
  /** The config. Integers beyond 2^53 (only possible in 64-bit fields) are bigint; see spec/numbers.ts. */
  config: Spec;
  /** Accepted oddities (e.g. a relative mount destination), for the CLI to print. */
  warnings: ConfigProblem[];
}

/**
 * Loads and checks <bundleDir>/config.json.
 * Throws TsruncError BUNDLE_INVALID (no bundle / no config.json), ConfigError (invalid JSON, schema or
 * semantic problems, all of them at once), or TsruncError NOT_SUPPORTED (valid, but not implemented).
 */
export function loadBundle(bundleDir: string): LoadedBundle {
  const bundle = resolveBundle(bundleDir);
  const configPath = path.join(bundle, 'config.json');
  const doc = parseConfigJson(readConfig(configPath));
  return { bundle, configPath, ...checkConfig(doc, bundle) };
}

/**
 * The same checks for a config given as an object (the in-process API's `{ spec }`): no
 * config.json on disk; relative paths in it (root.path, bind sources) are taken relative to
 * `bundleDir`. The object is copied first: the caller's stays untouched.
 */
export function loadSpec(spec: Spec, bundleDir: string): LoadedBundle {
  const bundle = resolveBundle(bundleDir);
  return { bundle, configPath: '', ...checkConfig(structuredClone(spec), bundle) };
}

/** Numbers, schema and semantic rules: one ConfigError listing every problem, or the typed Spec. */
function checkConfig(doc: unknown, bundle: string): { config: Spec; warnings: ConfigProblem[] } {
  const problems = [...checkNumbers(doc), ...validateConfig(doc)];
  const semantics = checkSemantics(doc as Spec, bundle);
  // A field the schema already rejected would often get a second, vaguer semantic complaint: keep the first.
  problems.push(...semantics.problems.filter((p) => !problems.some((q) => overlaps(p.pointer, q.pointer))));
  if (problems.length > 0) throw new ConfigError(problems);

  if (semantics.unsupported.length > 0) {
    const first = semantics.unsupported[0]!;
    const text = semantics.unsupported.map((p) => `${p.pointer}: ${p.message}`).join('; ');
    throw new TsruncError('NOT_SUPPORTED', text, { pointer: first.pointer });
  }
  return { config: doc as Spec, warnings: semantics.warnings };
}

function resolveBundle(bundleDir: string): string {
  const abs = path.resolve(bundleDir);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be accessed (${code ?? String(e)})`;
    throw new TsruncError('BUNDLE_INVALID', `bundle directory ${abs} ${why}`, { cause: e });
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new TsruncError('BUNDLE_INVALID', `bundle ${abs} is not a directory`);
  }
  return real;
}

function readConfig(configPath: string): string {
  try {
    return readInput(configPath);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const message =
      e.errno === 'ENOENT' ? `${configPath}: does not exist (a bundle must contain config.json)`
      : e.errno === 'EISDIR' ? `${configPath} is a directory, not a file`
      : e.reason === 'os' ? `cannot read ${configPath} (${e.errno ?? e.message})`
      : `${configPath} ${e.message}`;
    throw new TsruncError('BUNDLE_INVALID', message, { cause: e, pointer: e.reason === 'tooBig' ? '' : undefined });
  }
}

/**
 * Parses JSON text; integers that do not fit a double exactly become bigint, all other numbers are
 * numbers. Syntax errors (and duplicate keys with different values) throw ConfigError naming the line
 * and column.
 */
export function parseConfigJson(text: string): unknown {
  try {
    return parseJson64(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new ConfigError([{ pointer: '', message: describeSyntaxError(e.message, text) }]);
  }
}

/** lossless-json says "... at position N" (0-based offset); people and editors want line and column. */
function describeSyntaxError(message: string, text: string): string {
  const m = /^(.*) at position (\d+)$/s.exec(message);
  if (!m) return `invalid JSON: ${message}`;
  const pos = Number(m[2]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `invalid JSON at line ${line}, column ${column}: ${m[1]}`;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Numbers no spec field can hold: every integer field is at most 64 bits (the schema's bounds are doubles,
 * so near 2^64 it cannot tell), and 1e400 parses as Infinity.
 */
export function checkNumbers(doc: unknown, at = ''): ConfigProblem[] {
  if (typeof doc === 'bigint') {
    return doc < INT64_MIN || doc > UINT64_MAX ? [{ pointer: at, message: `${doc} does not fit in 64 bits` }] : [];
  }
  if (typeof doc === 'number') {
    if (!Number.isFinite(doc)) return [{ pointer: at, message: 'number is out of range' }];
    // Written with a fraction or an exponent ("18446744073709551615.0", "1.9e19"), a 64-bit value
    // parses as a double: 2^64 and beyond passed the schema (its bound is the double 2^64) and
    // reached tsrunc-init as a number no field can hold ("malformed plan: stoull").
    if (Number.isInteger(doc) && (doc >= 2 ** 64 || doc < -(2 ** 63))) return [{ pointer: at, message: `${doc} does not fit in 64 bits` }];
    return [];
  }
  if (doc === null || typeof doc !== 'object') return [];
  const out: ConfigProblem[] = [];
  for (const [k, v] of Object.entries(doc)) {
    out.push(...checkNumbers(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return out;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}
