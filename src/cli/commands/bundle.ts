// `tsrunc bundle create|rm`: images into bundles and back (src/bundle/). Not runc's: runc leaves
// images to an engine.
import type { Argv } from 'yargs';

import type { GlobalArgs } from '../context';
import { defaultRoot } from '../../rootless';
import { print } from '../output';

export const command = 'bundle <action>';
export const describe = 'make an OCI bundle from an image (create), mount its rootfs again (mount), or remove it (rm)';

// Repeated flags, not yargs arrays: an array option would swallow DIR after it.
interface CreateArgs extends GlobalArgs { dir: string; image: string; volume?: string | string[]; bind?: string | string[]; store?: string; '--'?: string[]; _: (string | number)[] }

export const builder = (y: Argv<GlobalArgs>) =>
  y
    .command(
      'create <dir>',
      'write the bundle DIR (config.json + an overlay rootfs) from an image; arguments after -- replace its Cmd',
      (c: Argv<GlobalArgs>) =>
        c
          .positional('dir', { type: 'string', demandOption: true })
          .option('image', { type: 'string', demandOption: true, describe: 'oci:DIR[:NAME], oci-archive:FILE[:NAME] or docker-archive:FILE[:NAME]' })
          .option('volume', { type: 'string', describe: 'a volume [NAME:]/CTR (anonymous without NAME; repeatable)' })
          .option('bind', { type: 'string', describe: 'a bind mount HOST:CTR[:ro] (repeatable)' })
          .option('store', { type: 'string', describe: 'layer and volume store (default /var/lib/tsrunc)' })
          .parserConfiguration({ 'populate--': true }),
      untyped(async (argv: CreateArgs) => {
        const { createBundle } = await import('../../bundle/create');
        const { defaultStoreRoot } = await import('../../bundle/store-root');
        const made = await createBundle({ image: argv.image, bundle: argv.dir, volumes: ([] as string[]).concat(argv.volume ?? []), binds: ([] as string[]).concat(argv.bind ?? []), args: (argv['--'] ?? []).map(String), store: argv.store ?? defaultStoreRoot() });
        for (const v of made.volumes) print(`volume ${v.name} ${v.destination}`);
      }),
    )
    .command(
      'mount <dir>',
      'mount the bundle\'s overlay rootfs again (after a reboot) from the layer store, reading no image',
      (c: Argv<GlobalArgs>) => c.positional('dir', { type: 'string', demandOption: true }),
      untyped(async (argv: GlobalArgs & { dir: string }) => {
        const { mountBundle } = await import('../../bundle/mount');
        const done = mountBundle(argv.dir);
        if (done === 'already') print(`${argv.dir}: already mounted`);
        if (done === 'runtime') print(`${argv.dir}: a rootless bundle: the runtime mounts its rootfs in each container`);
      }),
    )
    .command(
      'rm <dir>',
      'unmount and remove a bundle made by `bundle create` (its volumes stay)',
      (c: Argv<GlobalArgs>) => c.positional('dir', { type: 'string', demandOption: true }),
      untyped(async (argv: GlobalArgs & { dir: string }) => {
        const { removeBundle } = await import('../../bundle/remove');
        removeBundle(argv.dir, { stateRoot: argv.root ?? defaultRoot() });
      }),
    )
    .demandCommand(1, 'bundle: create, mount or rm');

// yargs cannot type a subcommand's argv through a builder function; each handler says what it reads.
function untyped<T>(fn: (argv: T) => Promise<void>): (argv: unknown) => Promise<void> {
  return fn as (argv: unknown) => Promise<void>;
}

export function handler(): number {
  return 0;
}
