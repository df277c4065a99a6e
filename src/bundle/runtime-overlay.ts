// Where a bundle's overlay is mounted is decided once, by `bundle create`, and written in its record
// (`overlay`): on the host by the bundle tool when root made it (README: "Where the overlay is
// mounted"), or by the runtime at `create` when an unprivileged user made it - overlayfs may be
// mounted by an unprivileged user only inside a user namespace of its own, so a rootless bundle's
// rootfs exists only in its containers' mount namespaces. This module is the runtime's side: the
// overlay the plan's init mounts on the rootfs (native/init/rootfs.cc), read from the record.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import type { RootfsOverlay } from '../plan/types';
import { overlayDirs } from './overlay';
import { RECORD_FILE, readRecord } from './record';

/** The overlay to mount on `rootfs` (the resolved rootfs of `bundle`), or null for any other bundle. */
export function rootfsOverlayOf(bundle: string, rootfs: string): RootfsOverlay | null {
  // Only a bundle tool's bundle has a record; a plain bundle pays one failed open.
  let record;
  try {
    record = readRecord(bundle);
  } catch (e) {
    throw new TsruncError('BUNDLE_INVALID', `${bundle}/${RECORD_FILE}: ${(e as Error).message}`, { cause: e });
  }
  if (!record || record.overlay !== 'container') return null;
  const dirs = overlayDirs(fs.realpathSync(bundle));
  if (rootfs !== dirs.rootfs) return null; // config.json names another rootfs: not the bundle's overlay
  if (record.removing) throw new TsruncError('INVALID_STATE', `${bundle} is being removed (\`tsrunc bundle rm\`)`);
  for (const layer of record.layers) {
    if (!fs.statSync(layer, { throwIfNoEntry: false })?.isDirectory()) throw new TsruncError('BUNDLE_INVALID', `${bundle}: its layer ${layer} is gone from the store ${record.store}`);
  }
  return { lowerDirs: [...record.layers].reverse(), upperDir: dirs.upper, workDir: dirs.work };
}
