// The human units runc's command line takes, parsed exactly as runc does so clients' values
// mean the same here: byte sizes (`update --memory 512m`, docker's RAMInBytes) and Go durations
// (`events --interval 5s`). `name` is what an error calls the value (the flag, for the CLI).
import { TsruncError } from '../errors';

const BYTE_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };

/** "512m", "1G", "1024", "-1" (unlimited): bytes, binary multiples, exact. */
export function parseBytes(text: string, name: string): bigint {
  if (text.trim() === '-1') return -1n;
  const m = /^(\d+)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (!m) throw new TsruncError('INVALID_ARGUMENT', `${name}: "${text}" is not a size (e.g. 512m, 1g, 1048576)`);
  return BigInt(m[1]) * BYTE_UNITS[m[2].toLowerCase()];
}

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as runc takes them: "5s", "500ms", "1.5m". Milliseconds. */
export function parseDuration(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new TsruncError('INVALID_ARGUMENT', `${name}: "${text}" is not a duration (e.g. 500ms, 5s)`);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

/** A decimal integer, exact. */
export function parseInteger(text: string, name: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw new TsruncError('INVALID_ARGUMENT', `${name}: "${text}" is not an integer`);
  return BigInt(text.trim());
}
