import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'start <container-id>';
export const describe = 'start the process of a created container';
export const builder = (y: Argv<GlobalArgs>) => y.positional('container-id', { type: 'string', demandOption: true });

export async function handler(argv: GlobalArgs & { 'container-id': string }): Promise<number> {
  await runtimeFrom(argv).start(argv['container-id']);
  return 0;
}
