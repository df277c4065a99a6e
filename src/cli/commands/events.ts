import type { Argv } from 'yargs';

import { TsruncError } from '../../errors';
import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'events <container-id>';
export const describe = 'print container events (stats, oom) as JSON lines';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('stats', { type: 'boolean', default: false, describe: 'print the statistics once and exit' })
    .option('interval', { type: 'string', default: '5s', describe: 'how often to print statistics (e.g. 500ms, 5s)' });

/** Go-style durations as runc takes them: "5s", "500ms", "1m". */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new TsruncError('INVALID_ARGUMENT', `--interval: "${text}" is not a duration (e.g. 500ms, 5s)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

export async function handler(argv: GlobalArgs & { 'container-id': string; stats: boolean; interval: string }): Promise<number> {
  const rt = runtimeFrom(argv);
  if (argv.stats) {
    print(JSON.stringify(rt.stats(argv['container-id'])));
    return 0;
  }
  const interval = parseDuration(argv.interval);
  await rt.events(argv['container-id'], interval, (e) => print(JSON.stringify(e)));
  return 0;
}
