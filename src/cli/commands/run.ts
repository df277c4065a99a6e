import type { Argv } from 'yargs';

import { listenFdsFromEnv, runtimeFrom, type GlobalArgs } from '../context';
import { builder as createBuilder } from './create';

export const command = 'run <container-id>';
export const describe = 'create and start a container; in the foreground, exit with its status';

export const builder = (y: Argv<GlobalArgs>) =>
  createBuilder(y)
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once the container has started' })
    .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' })
    // runc makes itself a child subreaper unless told not to; tsrunc never needs one (the init is
    // the child of tsrunc-init's helper, which is this process's child): accepted, nothing to do.
    .option('no-subreaper', { type: 'boolean', default: false, describe: 'accepted for runc compatibility (tsrunc is never a subreaper)' });

type Args = GlobalArgs & {
  'container-id': string; bundle: string; 'pid-file'?: string; 'no-pivot': boolean; 'preserve-fds': number;
  detach: boolean; keep: boolean; 'console-socket'?: string; 'pidfd-socket'?: string;
};

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
