import { TsruncError } from '../errors';
import { addon } from '../native/addon';

/**
 * "TERM", "SIGTERM", "sigterm", "15" -> 15, as runc accepts them; "0" is kill(2)'s "is it alive?".
 * The names and the rules are the native core's (native/core/text.cc), which the front-end runs too.
 */
export function parseSignal(input: string): number {
  const n = addon().parseSignal(input);
  if (n >= 0) return n;
  throw new TsruncError('INVALID_ARGUMENT', `unknown signal "${input}"`);
}
