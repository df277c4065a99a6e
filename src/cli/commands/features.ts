import type { Argv } from 'yargs';

import { features } from '../../runtime/features';
import type { GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'features';
export const describe = 'print what this runtime supports on this host (JSON)';
export const builder = (y: Argv<GlobalArgs>) => y;

export function handler(): number {
  print(JSON.stringify(features(), null, 4));
  return 0;
}
