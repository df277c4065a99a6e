import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'features';
export const describe = 'print what this runtime supports on this host (JSON)';
export const builder = (y: Argv<GlobalArgs>) => y;

export function handler(argv: GlobalArgs): number {
  print(JSON.stringify(runtimeFrom(argv).features(), null, 4));
  return 0;
}
