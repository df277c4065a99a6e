// JSON with exact 64-bit integers: integers beyond 2^53 become bigint, every other number
// stays a plain number. Used for config.json and for the stored copy in state.json.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

export function parseNumber64(value: string): number | bigint {
  if (isInteger(value) && !isSafeNumber(value)) return BigInt(value);
  return parseFloat(value);
}

export function parseJson64(text: string): unknown {
  return parse(text, null, parseNumber64);
}

export function stringifyJson64(value: unknown): string {
  return stringify(value) ?? 'null';
}
