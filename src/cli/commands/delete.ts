import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'delete <container-id>';
export const describe = 'delete a container (--force: kill it first if it runs)';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill a running container first' });

export async function handler(argv: GlobalArgs & { 'container-id': string; force: boolean }): Promise<number> {
  await runtimeFrom(argv).delete(argv['container-id'], { force: argv.force });
  return 0;
}
