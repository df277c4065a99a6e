import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv } from 'yargs';

import { TsruncError } from '../../errors';
import { defaultSpec } from '../../spec/default-spec';
import type { GlobalArgs } from '../context';

export const command = 'spec';
export const describe = 'write a default config.json into the bundle directory';
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' })
    .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'add a bind mount HOST:CTR[:ro] (repeatable)' })
    .option('rootless', { type: 'boolean', default: false, describe: 'not supported yet' });

export function handler(argv: GlobalArgs & { bundle: string; bind: string[]; rootless: boolean }): number {
  if (argv.rootless) throw new TsruncError('NOT_SUPPORTED', 'rootless containers are not supported yet');
  const file = path.join(argv.bundle, 'config.json');
  const spec = defaultSpec({ binds: argv.bind });
  try {
    fs.writeFileSync(file, JSON.stringify(spec, null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TsruncError('INVALID_ARGUMENT', `File ${file} exists. Remove it first`);
    }
    throw e;
  }
  return 0;
}
