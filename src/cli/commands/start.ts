import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';

export const command = 'start <container-id>';
export const describe = 'start the process of a created container';
export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'start');

export async function handler(argv: VerbArgs['start']): Promise<number> {
  await runtimeFrom(argv).start(argv['container-id']);
  return 0;
}
