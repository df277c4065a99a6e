import { TsruncError } from '../errors';

const SIGRTMAX = 64;

/** "TERM", "SIGTERM", "sigterm", "15" -> 15, as runc accepts them; "0" is kill(2)'s "is it alive?". */
export function parseSignal(input: string): number {
  const s = input.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 0 && n <= SIGRTMAX) return n;
  } else {
    const name = s.toUpperCase();
    const full = name.startsWith('SIG') ? name : 'SIG' + name;
    // `os` only for a name: clients send numbers, and every kill would otherwise load it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { constants } = require('node:os') as typeof import('node:os');
    const n = (constants.signals as Record<string, number>)[full];
    if (n !== undefined) return n;
  }
  throw new TsruncError('INVALID_ARGUMENT', `unknown signal "${input}"`);
}
