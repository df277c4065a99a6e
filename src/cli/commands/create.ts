import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { listenFdsFromEnv, runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';

export const command = 'create <container-id>';
export const describe = 'create a container: set it up and leave its process waiting for `start`';

export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'create');

type Args = VerbArgs['create'];

export async function handler(argv: Args): Promise<number> {
  await runtimeFrom(argv).create(argv['container-id'], {
    bundle: argv.bundle,
    pidFile: argv['pid-file'],
    noPivot: argv['no-pivot'],
    preserveFds: argv['preserve-fds'],
    listenFds: listenFdsFromEnv(),
    consoleSocket: argv['console-socket'],
    pidfdSocket: argv['pidfd-socket'],
  });
  return 0;
}
