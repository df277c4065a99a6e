// Integers from config.json as exact values. The loader keeps integers beyond 2^53 as bigint (only
// 64-bit fields can hold them); code that passes such values on reads them through here, never as
// a double.

/**
 * The exact decimal value of an integer field, for code that passes 64-bit values on (rlimits, memory
 * limits, seccomp arguments): a bigint as is, a number only if it is an exact integer.
 * undefined stays undefined; a non-integer throws RangeError.
 */
export function exactInteger(v: number | bigint | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isInteger(v)) throw new RangeError(`${v} is not an integer`);
  // Beyond 2^53 a number is already rounded; BigInt() prints the value it actually holds.
  return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
}
