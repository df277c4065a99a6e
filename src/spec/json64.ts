// JSON with exact 64-bit integers: integers beyond 2^53 become bigint, every other number
// stays a plain number. Used for config.json and for the stored copy in state.json.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

export function parseNumber64(value: string): number | bigint {
  if (isInteger(value) && !isSafeNumber(value)) return BigInt(value);
  return parseFloat(value);
}

/**
 * Deepest nesting of arrays and objects accepted. No runtime-spec document nests beyond ten levels;
 * every walk over a parsed document (this file's key count, lossless-json's parser, the number and
 * schema checks) recurses once per level, so 100,000 levels of "[" overflowed the stack with a
 * RangeError instead of a message about the file.
 */
export const MAX_NESTING = 256;

export function parseJson64(text: string): unknown {
  const deep = tooDeepAt(text);
  // lossless-json's words and form ("... at position N"): callers turn it into a line and column.
  if (deep >= 0) throw new SyntaxError(`Nesting deeper than ${MAX_NESTING} levels at position ${deep}`);
  const fast = parseFast(text);
  return fast ? fast.value : parse(text, null, parseNumber64);
}

// lossless-json parses in JavaScript, about 1000 times slower than JSON.parse: a config with a
// seccomp profile (6 KB, mostly syscall names) took 2-5 ms, and `run` parses it three times
// (config.json, then state.json twice). JSON.parse gives exactly the same value unless the text
// holds an integer beyond 2^53 (16 digits or more) or a duplicate key (JSON.parse keeps the last
// silently; lossless-json rejects it when the values differ): for those, and for any syntax error
// (its message), the text goes to lossless-json.
const LONG_DIGITS = /\d{16}/;

function parseFast(text: string): { value: unknown } | undefined {
  if (LONG_DIGITS.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return keysInText(text) === keysInValue(value) ? { value } : undefined;
}

/** Offset of the first "[" or "{" nested deeper than MAX_NESTING (strings skipped), or -1. */
function tooDeepAt(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

/** The number of object keys written in valid JSON text: strings followed by ":". */
function keysInText(text: string): number {
  let keys = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) {
    // The closing quote is the first one not escaped by an odd number of backslashes.
    let end = text.indexOf('"', i + 1);
    for (;;) {
      let slashes = 0;
      while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
      if (slashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    let next = end + 1;
    while (next < text.length && ' \t\r\n'.includes(text[next]!)) next++;
    if (text[next] === ':') keys++;
    i = end;
  }
  return keys;
}

/** The number of keys of every object in a parsed value. */
function keysInValue(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let keys = Array.isArray(value) ? 0 : children.length;
  for (const child of children) keys += keysInValue(child);
  return keys;
}

export function stringifyJson64(value: unknown): string {
  // JSON.stringify writes the same text for any value without a bigint, ~10x faster than
  // lossless-json (create writes state.json twice); a bigint makes it throw a TypeError - unless
  // a library of an in-process caller gave BigInt a toJSON, which would write it as it likes.
  if (!('toJSON' in BigInt.prototype)) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
    }
  }
  return stringify(value) ?? 'null';
}
