import type { Argv } from 'yargs';

import { valueFlagWords, withTableFlags } from '../flag-options';

import { TsruncError } from '../../errors';
import { listenFdsFromEnv, loggerFrom, runtimeFrom, type GlobalArgs, type VerbArgs } from '../context';
import { debugError } from '../log';

export const command = 'exec <container-id>';
export const describe = 'run a new process inside a running container (tsrunc exec ID COMMAND [ARGS...] | -p process.json ID)';

export const builder = (y: Argv<GlobalArgs>) => withTableFlags(y, 'exec');

type Many = string | string[] | undefined;
type Args = VerbArgs['exec'];

const many = (v: Many): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// Flags of exec that take a value: needed to find where the container id, and so the command, is.
const VALUE_FLAGS = valueFlagWords('exec');

let commandArgs: string[] = [];

/**
 * Everything after exec's container id is the command, verbatim (`exec ID sh -c 'exit 7'`): it is cut
 * off before yargs sees it. `args` are tsrunc's arguments; returns the ones yargs should parse.
 */
export function takeCommand(args: string[], execIndex: number): string[] {
  for (let i = execIndex + 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      commandArgs = args.slice(i + 2);
      return [...args.slice(0, i), ...args.slice(i + 1, i + 2)];
    }
    if (a.startsWith('-') && a.length > 1) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    commandArgs = args.slice(args[i + 1] === '--' ? i + 2 : i + 1);
    return args.slice(0, i + 1);
  }
  return args;
}

export async function handler(argv: Args): Promise<number> {
  try {
    return await runtimeFrom(argv).exec(argv['container-id'], {
      processFile: argv.process,
      args: commandArgs,
      cwd: argv.cwd,
      env: many(argv.env),
      tty: argv.tty,
      user: argv.user,
      additionalGids: many(argv['additional-gids']),
      caps: many(argv.cap),
      noNewPrivs: argv['no-new-privs'],
      apparmor: argv.apparmor,
      processLabel: argv['process-label'],
      detach: argv.detach,
      pidFile: argv['pid-file'],
      consoleSocket: argv['console-socket'],
      pidfdSocket: argv['pidfd-socket'],
      preserveFds: argv['preserve-fds'] + listenFdsFromEnv(),
      ignorePaused: argv['ignore-paused'],
      cgroup: argv.cgroup,
    });
  } catch (e) {
    // runc's exec reports every failure as "exec failed: ..." and exits 255.
    if (!(e instanceof TsruncError)) throw e;
    const logger = loggerFrom(argv);
    logger.error(`exec failed: ${e.message}`);
    debugError(logger, e);
    return 255;
  }
}
