// Exact integer fields. Resource values are 64-bit (memory.max of 2^63-1 is common) and may arrive as
// bigint from the loader; they are handled as bigint throughout and written as decimal strings, never
// through a double.

import { exactInteger } from '../spec/numbers';
import type { ResultBuilder } from './types';

export type IntegerKind = 'int64' | 'uint64' | 'uint32';

const RANGES: Record<IntegerKind, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
};

/**
 * The exact value of an integer field, or undefined when it is absent or invalid (a problem is then
 * recorded). The schema's bounds are doubles, so near 2^63 / 2^64 only this check is exact.
 */
export function readInteger(
  value: number | bigint | undefined,
  kind: IntegerKind,
  ptr: string,
  out: ResultBuilder,
): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  try {
    text = exactInteger(value)!;
  } catch {
    out.problem(ptr, `${String(value)} is not an integer`);
    return undefined;
  }
  const n = BigInt(text);
  const [min, max] = RANGES[kind];
  if (n < min || n > max) {
    out.problem(ptr, `${n} is out of range (${kind}: ${min} to ${max})`);
    return undefined;
  }
  return n;
}

/**
 * A field where 0 means "not set" (clients such as Docker send zeros for everything they leave alone)
 * and -1 means "no limit", as in runc. Anything below -1 is a problem. Returns undefined for unset.
 */
export function readLimit(value: number | bigint | undefined, ptr: string, out: ResultBuilder): bigint | undefined {
  const n = readInteger(value, 'int64', ptr, out);
  if (n === undefined || n === 0n) return undefined;
  if (n < -1n) {
    out.problem(ptr, `${n} is not a limit: use a positive number, or -1 for no limit`);
    return undefined;
  }
  return n;
}

/** A read field whose 0 means unset: 0 becomes undefined. */
export function unlessZero(n: bigint | undefined): bigint | undefined {
  return n === 0n ? undefined : n;
}

/** cgroup v2 spells "no limit" as "max"; runc's -1 maps onto it. */
export function limitText(n: bigint): string {
  return n === -1n ? 'max' : n.toString();
}
