import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';
import { print } from '../output';

export const command = 'state <container-id>';
export const describe = "print a container's state as JSON";
export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'state');

export function handler(argv: VerbArgs['state']): number {
  print(JSON.stringify(runtimeFrom(argv).state(argv['container-id']), null, 2));
  return 0;
}
