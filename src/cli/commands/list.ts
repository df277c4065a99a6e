import type { Argv } from 'yargs';

import type { ContainerState } from '../../index';
import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'list';
export const describe = 'list containers';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only ids' });

// runc prints its table through Go's tabwriter (min width 12, padding 3).
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(12, ...rows.map((r) => r[c].length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('')).join('\n');
}

export function handler(argv: GlobalArgs & { format: 'table' | 'json'; quiet: boolean }): number {
  const states: ContainerState[] = runtimeFrom(argv).list();
  if (argv.quiet) {
    if (states.length) print(states.map((s) => s.id).join('\n'));
  } else if (argv.format === 'json') {
    // runc prints `null` for no containers; Go clients read both.
    print(JSON.stringify(states.length ? states : null));
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
    print(table(rows));
  }
  return 0;
}
