// `runc ps`: the host's ps output cut down to the container's processes. runc runs the host's ps
// with the caller's arguments (default -ef) and keeps the header plus the rows whose PID column
// holds one of the container's host pids.
import { execFileSync } from 'node:child_process';

import { TsruncError } from '../errors';

/** Keeps the header and the rows of `table` whose PID column is in `pids`. */
export function filterPsTable(table: string, pids: number[]): string {
  const lines = table.trimEnd().split('\n');
  const pidColumn = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new TsruncError('SYSTEM', "couldn't find PID field in ps output"); // runc's words
  const mine = new Set(pids);
  return [lines[0], ...lines.slice(1).filter((l) => mine.has(Number(l.trim().split(/\s+/)[pidColumn])))].join('\n');
}

/** Runs the host's `ps psArgs` and filters it to `pids`. */
export function psTable(pids: number[], psArgs: string[] = []): string {
  let out: string;
  try {
    out = execFileSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' });
  } catch (e) {
    throw new TsruncError('SYSTEM', `ps ${psArgs.join(' ')}: ${(e as Error).message}`, { cause: e });
  }
  return filterPsTable(out, pids);
}
