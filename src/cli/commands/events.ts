import type { Argv } from 'yargs';

import { parseDuration } from '../../index';
import { runtimeFrom, type GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'events <container-id>';
export const describe = 'print container events (stats, oom) as JSON lines';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('stats', { type: 'boolean', default: false, describe: 'print the statistics once and exit' })
    .option('interval', { type: 'string', default: '5s', describe: 'how often to print statistics (e.g. 500ms, 5s)' });

export async function handler(argv: GlobalArgs & { 'container-id': string; stats: boolean; interval: string }): Promise<number> {
  const rt = runtimeFrom(argv);
  if (argv.stats) {
    print(JSON.stringify(rt.stats(argv['container-id'])));
    return 0;
  }
  const interval = parseDuration(argv.interval, '--interval');
  await rt.events(argv['container-id'], interval, (e) => print(JSON.stringify(e)));
  return 0;
}
