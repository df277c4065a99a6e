import type { Argv } from 'yargs';

import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'spec';
export const describe = 'write a default config.json into the bundle directory';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' })
    .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'add a bind mount HOST:CTR[:ro] (repeatable)' })
    .option('rootless', { type: 'string', describe: 'a config for a non-root caller: a user namespace mapping the caller to root, no network namespace, /sys bound, no uid=/gid= mount options, no resources (as runc spec --rootless)' });

export function handler(argv: GlobalArgs & { bundle: string; bind: string[] }): number {
  // A string, as the global --rootless (runc's cgroup mode) that shares its name: a bare
  // `spec --rootless` arrives as "".
  const rootless = argv.rootless === '' || argv.rootless === 'true';
  runtimeFrom(argv).spec({ bundle: argv.bundle, binds: argv.bind, rootless });
  return 0;
}
