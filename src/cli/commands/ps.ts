import { execFileSync } from 'node:child_process';
import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'ps <container-id> [ps-args..]';
export const describe = "list the container's processes (json: their host pids)";
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .positional('ps-args', { type: 'string', array: true, default: [] as string[] })
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const });

type Args = GlobalArgs & { 'container-id': string; 'ps-args': string[]; format: 'table' | 'json' };

export function handler(argv: Args): number {
  const pids = runtimeFrom(argv).pids(argv['container-id']);
  if (argv.format === 'json') {
    print(JSON.stringify(pids));
    return 0;
  }
  // As runc: the host's ps, filtered to the container's pids (header kept).
  const psArgs = argv['ps-args'].length > 0 ? argv['ps-args'] : ['-ef'];
  const lines = execFileSync('ps', psArgs, { encoding: 'utf8' }).trimEnd().split('\n');
  const pidColumn = lines[0].trim().split(/\s+/).indexOf('PID');
  const mine = new Set(pids);
  print([lines[0], ...lines.slice(1).filter((l) => mine.has(Number(l.trim().split(/\s+/)[pidColumn])))].join('\n'));
  return 0;
}
