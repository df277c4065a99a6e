import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'spec';
export const describe = 'write a default config.json into the bundle directory';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' })
    .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'add a bind mount HOST:CTR[:ro] (repeatable)' })
    .option('rootless', { type: 'boolean', default: false, describe: 'not supported yet' });

export function handler(argv: GlobalArgs & { bundle: string; bind: string[]; rootless: boolean }): number {
  runtimeFrom(argv).spec({ bundle: argv.bundle, binds: argv.bind, rootless: argv.rootless });
  return 0;
}
