// `tsrunc volume ls|rm|prune`: the volumes `bundle create` made (src/volumes/).
import type { Argv } from 'yargs';

import type { GlobalArgs } from '../context';
import { print } from '../output';

export const command = 'volume <action>';
export const describe = 'list (ls), remove (rm) or prune the volumes of the store';

type StoreArgs = GlobalArgs & { store?: string };

async function volumeStore(argv: StoreArgs) {
  const { VolumeStore } = await import('../../volumes/store');
  const { isVolumeUser } = await import('../../bundle/volume-users');
  const { defaultStoreRoot } = await import('../../bundle/store-root');
  return new VolumeStore(argv.store ?? defaultStoreRoot(), isVolumeUser);
}

export const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('store', { type: 'string', describe: 'layer and volume store (default /var/lib/tsrunc)' })
    .command(
      'ls',
      'one "NAME PATH" line per volume',
      (c: Argv<GlobalArgs>) => c.option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const }),
      untyped(async (argv: StoreArgs & { format: 'table' | 'json' }) => {
        const list = (await volumeStore(argv)).list();
        if (argv.format === 'json') print(JSON.stringify(list));
        else if (list.length) print(list.map((v) => `${v.name} ${v.path}`).join('\n'));
      }),
    )
    .command(
      'rm <name>',
      'remove a volume no bundle uses',
      (c: Argv<GlobalArgs>) => c.positional('name', { type: 'string', demandOption: true }),
      untyped(async (argv: StoreArgs & { name: string }) => {
        (await volumeStore(argv)).remove(argv.name);
      }),
    )
    .command(
      'prune',
      'remove every anonymous volume no bundle uses (--all: named ones too)',
      (c: Argv<GlobalArgs>) => c.option('all', { alias: 'a', type: 'boolean', default: false }),
      untyped(async (argv: StoreArgs & { all: boolean }) => {
        const removed = (await volumeStore(argv)).prune(argv.all);
        if (removed.length) print(removed.join('\n'));
      }),
    )
    .demandCommand(1, 'volume: ls, rm or prune');

// yargs cannot type a subcommand's argv through a builder function; each handler says what it reads.
function untyped<T>(fn: (argv: T) => Promise<void>): (argv: unknown) => Promise<void> {
  return fn as (argv: unknown) => Promise<void>;
}

export function handler(): number {
  return 0;
}
