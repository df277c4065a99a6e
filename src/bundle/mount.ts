// `tsrunc bundle mount`: puts a bundle's overlay rootfs back after a reboot (or any unmount) from
// what is already on disk - the record's layer directories in the store and the bundle's own upper
// and work directories - without reading the image or unpacking anything: the image need not even
// exist any more. The upper dir keeps every write the bundle's containers made. Mounting a bundle
// whose rootfs is mounted already does nothing, so a boot script may run it for every bundle.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import { mountsUnder } from '../state/mounts-under';
import { mountOverlay, overlayDirs } from './overlay';
import { RECORD_FILE, readRecord } from './record';

/** Mounts the rootfs: `mounted`, `already` (it was), or `runtime` (a rootless bundle: its containers' runtime mounts it, nothing to do here). */
export function mountBundle(dir: string): 'mounted' | 'already' | 'runtime' {
  const bundle = path.resolve(dir);
  const record = readRecord(bundle);
  if (!record) throw new TsruncError('BUNDLE_INVALID', `${bundle} is not a bundle made by \`tsrunc bundle create\` (no ${RECORD_FILE})`);
  if (record.removing) throw new TsruncError('INVALID_STATE', `${bundle} is being removed: finish it with \`tsrunc bundle rm\``);
  const dirs = overlayDirs(bundle);
  if (record.overlay === 'container') return 'runtime';
  if (mountsUnder(dirs.rootfs).includes(dirs.rootfs)) return 'already';
  for (const layer of record.layers) {
    if (!fs.statSync(layer, { throwIfNoEntry: false })?.isDirectory()) {
      throw new TsruncError('BUNDLE_INVALID', `${bundle}: its layer ${layer} is gone from the store ${record.store}: make the bundle again (\`tsrunc bundle rm\`, \`bundle create\`)`);
    }
  }
  for (const d of [dirs.rootfs, dirs.upper, dirs.work]) {
    if (!fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new TsruncError('BUNDLE_INVALID', `${bundle}: ${d} is missing`);
  }
  mountOverlay(record.layers, dirs);
  return 'mounted';
}
