import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'pause <container-id>';
export const describe = 'freeze every process of the container (cgroup.freeze)';
export const builder = (y: Argv<GlobalArgs>) => y.positional('container-id', { type: 'string', demandOption: true });

export function handler(argv: GlobalArgs & { 'container-id': string }): number {
  runtimeFrom(argv).pause(argv['container-id']);
  return 0;
}
