// Writing a config.json into a bundle, as `runc spec` does: never over an existing one.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import type { Spec } from '../generated/config';

/** Writes <bundle>/config.json (tab-indented, as runc); returns its path. */
export function writeConfig(bundle: string, spec: Spec): string {
  const file = path.join(bundle, 'config.json');
  try {
    fs.writeFileSync(file, JSON.stringify(spec, null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TsruncError('INVALID_ARGUMENT', `File ${file} exists. Remove it first`);
    }
    throw new TsruncError('BUNDLE_INVALID', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
  }
  return file;
}
