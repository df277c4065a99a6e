import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';

export const command = 'kill <container-id> [signal]';
export const describe = 'send a signal (name or number, default SIGTERM) to the container';
export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'kill');

export function handler(argv: VerbArgs['kill']): number {
  runtimeFrom(argv).kill(argv['container-id'], String(argv.signal), { all: argv.all });
  return 0;
}
