import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';

export const command = 'delete <container-id>';
export const describe = 'delete a container (--force: kill it first if it runs)';
export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'delete');

export async function handler(argv: VerbArgs['delete']): Promise<number> {
  await runtimeFrom(argv).delete(argv['container-id'], { force: argv.force });
  return 0;
}
