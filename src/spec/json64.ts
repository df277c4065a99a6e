// JSON with exact 64-bit integers: integers beyond 2^53 become bigint, every other number
// stays a plain number. Used for config.json and for the stored copy in state.json.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

export function parseNumber64(value: string): number | bigint {
  if (isInteger(value) && !isSafeNumber(value)) return BigInt(value);
  return parseFloat(value);
}

export function parseJson64(text: string): unknown {
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
  return stringify(value) ?? 'null';
}
