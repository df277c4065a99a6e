import type { Argv } from 'yargs';

import { listenFdsFromEnv, runtimeFrom, type GlobalArgs } from '../context';

export const command = 'create <container-id>';
export const describe = 'create a container: set it up and leave its process waiting for `start`';

export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
    .option('pid-file', { type: 'string', describe: 'file to write the process id to' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'use MS_MOVE + chroot instead of pivot_root (ramfs roots)' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional fds (3 .. 3+N-1) to the container' })
    .option('console-socket', { type: 'string', describe: 'unix socket that receives the pty master (process.terminal)' })
    .option('pidfd-socket', { type: 'string', describe: 'unix socket that receives a pidfd of the container process (SCM_RIGHTS)' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'accepted for runc compatibility' });

type Args = GlobalArgs & { 'container-id': string; bundle: string; 'pid-file'?: string; 'no-pivot': boolean; 'preserve-fds': number; 'console-socket'?: string; 'pidfd-socket'?: string };

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
