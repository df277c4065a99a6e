import type { Argv } from 'yargs';

import { withTableFlags } from '../flag-options';

import { listenFdsFromEnv, runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';

export const command = 'run <container-id>';
export const describe = 'create and start a container; in the foreground, exit with its status';

// runc makes itself a child subreaper unless told not to; tsrunc never needs one (the init is the
// child of tsrunc-init's helper, which is this process's child): --no-subreaper is accepted, nothing to do.
export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'run');

type Args = VerbArgs['run'];

export function handler(argv: Args): Promise<number> {
  return runtimeFrom(argv).run(argv['container-id'], {
    bundle: argv.bundle,
    pidFile: argv['pid-file'],
    noPivot: argv['no-pivot'],
    preserveFds: argv['preserve-fds'],
    listenFds: listenFdsFromEnv(),
    detach: argv.detach,
    keep: argv.keep,
    consoleSocket: argv['console-socket'],
    pidfdSocket: argv['pidfd-socket'],
  });
}
