// <bundle>/tsrunc-bundle.json: what `bundle create` made, so that `bundle rm` can undo it without
// being told the store, and `volume rm` can tell which bundles use a volume. It is written before
// anything is mounted and removed last, so a create or a removal cut short at any point leaves a
// bundle `bundle rm` recognises and finishes. Replaced atomically (temp + rename).
import * as fs from 'node:fs';

import { TsruncError } from '../errors';

export const RECORD_FILE = 'tsrunc-bundle.json';

export interface BundleRecord {
  version: 1;
  image: string;
  store: string;
  /** Layer directories, bottom first. */
  layers: string[];
  volumes: { name: string; destination: string; anonymous: boolean }[];
  /**
   * Who mounts the overlay rootfs: `host` (the bundle tool, on the host; absent in older records)
   * or `container` (the runtime, in each container's mount namespace: a rootless bundle).
   */
  overlay?: 'host' | 'container';
  /** Set once `bundle rm` started: nothing may use the bundle any more. */
  removing?: boolean;
}

export function readRecord(bundle: string): BundleRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(`${bundle}/${RECORD_FILE}`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const r = JSON.parse(text) as BundleRecord;
    if (r.version !== 1 || !Array.isArray(r.layers) || !Array.isArray(r.volumes) || typeof r.store !== 'string') throw new Error('unknown shape');
    return r;
  } catch (e) {
    throw new TsruncError('BUNDLE_INVALID', `${bundle}/${RECORD_FILE} is corrupt: ${(e as Error).message}`, { cause: e });
  }
}

export function writeRecord(bundle: string, record: BundleRecord): void {
  const tmp = `${bundle}/.${RECORD_FILE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, `${bundle}/${RECORD_FILE}`);
}
