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
  const rt = runtimeFrom(argv);
  print(argv.format === 'json' ? JSON.stringify(rt.pids(argv['container-id'])) : rt.ps(argv['container-id'], argv['ps-args']));
  return 0;
}
