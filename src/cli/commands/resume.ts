import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'resume <container-id>';
export const describe = 'thaw a paused container';
export const builder = (y: Argv<GlobalArgs>) => y.positional('container-id', { type: 'string', demandOption: true });

export function handler(argv: GlobalArgs & { 'container-id': string }): number {
  runtimeFrom(argv).resume(argv['container-id']);
  return 0;
}
