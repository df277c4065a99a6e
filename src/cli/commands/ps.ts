import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'ps <container-id> [ps-options..]';
export const describe = "list the container's processes (json: their host pids); options after the id go to ps (default -ef)";
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .positional('ps-options', { type: 'string', array: true, describe: 'passed to the host\'s ps, verbatim' })
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const });

type Args = GlobalArgs & { 'container-id': string; format: 'table' | 'json' };

// ps's own flags that take a value: needed to find where the container id is.
const VALUE_FLAGS = new Set(['--format', '-f']);

let psOptions: string[] = [];

/**
 * runc's ps takes its own flags only before the container id: everything after it is the host's
 * ps's (`ps ID -e -x`, `ps ID -o pid,comm`), verbatim, so it is cut off before yargs sees it.
 * `args` are tsrunc's arguments, `psIndex` where "ps" is; returns the ones yargs should parse.
 */
export function takePsOptions(args: string[], psIndex: number): string[] {
  for (let i = psIndex + 1; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-') && a.length > 1) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    psOptions = args.slice(i + 1);
    return args.slice(0, i + 1);
  }
  return args;
}

export function handler(argv: Args): number {
  const rt = runtimeFrom(argv);
  print(argv.format === 'json' ? JSON.stringify(rt.pids(argv['container-id'])) : rt.ps(argv['container-id'], psOptions));
  return 0;
}
