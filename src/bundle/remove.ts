// `tsrunc bundle rm`: undoing `bundle create` without losing data. In order, each step safe to
// repeat, so a removal killed at any instant is finished by running it again:
// 1. refuse while a container of the bundle exists (its rootfs is this overlay);
// 2. mark the record "removing";
// 3. unmount the rootfs and anything else mounted under the bundle, deepest first, and check that
//    nothing is left mounted - only then is anything removed;
// 4. remove the bundle's files without ever leaving its filesystem (remove-within-mount.ts): a
//    mount that appeared anyway is refused, never descended into, so a volume or bind source
//    mounted there cannot be deleted through it;
// 5. release the volumes (they stay, with their data, until `volume rm`);
// 6. remove the record, then the directory.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { crashPoint } from '../crash-point';
import { TsruncError } from '../errors';
import { addon } from '../native/addon';
import { Runtime } from '../runtime/runtime';
import { mountsUnder } from '../state/mounts-under';
import { VolumeStore } from '../volumes/store';
import { RECORD_FILE, readRecord, writeRecord } from './record';
import { removeWithinMount } from './remove-within-mount';
import { isVolumeUser } from './volume-users';

const MNT_DETACH = 2;

export interface RemoveOptions {
  /** tsrunc's state root, to find containers of the bundle. */
  stateRoot: string;
  /** Skip the container check (create undoing itself). */
  force?: boolean;
}

export function removeBundle(dir: string, opts: RemoveOptions): void {
  const bundle = path.resolve(dir);
  const record = readRecord(bundle);
  if (!record) {
    if (!fs.existsSync(bundle)) throw new TsruncError('INVALID_ARGUMENT', `no bundle at ${bundle}`);
    const entries = fs.readdirSync(bundle, { withFileTypes: false }) as string[];
    // A removal that got as far as the record's unlink leaves an empty directory: finish it.
    if (entries.length === 0) {
      fs.rmdirSync(bundle);
      return;
    }
    throw new TsruncError('BUNDLE_INVALID', `${bundle} is not a bundle made by \`tsrunc bundle create\` (no ${RECORD_FILE}): not removed`);
  }
  if (!opts.force) {
    const users = new Runtime({ root: opts.stateRoot }).list().filter((c) => path.resolve(c.bundle) === bundle);
    if (users.length) throw new TsruncError('INVALID_STATE', `container ${users[0].id} of the bundle ${bundle} exists (${users[0].status}): delete it first`);
  }
  if (!record.removing) writeRecord(bundle, { ...record, removing: true });
  crashPoint('bundle-rm:marked');

  unmountAllUnder(bundle);
  crashPoint('bundle-rm:unmounted');

  removeWithinMount(`${bundle}/overlay/upper`);
  crashPoint('bundle-rm:upper');
  for (const name of fs.readdirSync(bundle)) {
    if (name !== RECORD_FILE) removeWithinMount(`${bundle}/${name}`);
  }
  crashPoint('bundle-rm:contents');

  const volumes = new VolumeStore(record.store, isVolumeUser);
  if (record.volumes.length) volumes.locked(() => record.volumes.forEach((v) => volumes.release(v.name, bundle)));
  crashPoint('bundle-rm:volumes');

  fs.unlinkSync(`${bundle}/${RECORD_FILE}`);
  fs.rmdirSync(bundle);
}

/** Unmounts every mount at or under `dir` (deepest first, stacked ones too); throws if one stays. */
export function unmountAllUnder(dir: string): void {
  for (let pass = 0; pass < 16; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      try {
        addon().unmount(m, 0);
      } catch (e) {
        // Busy (a process of the host has its cwd there): detached, the data stays reachable to it
        // and the directory below is bare for the removal.
        if ((e as TsruncError).errno === 'EBUSY') addon().unmount(m, MNT_DETACH);
        else throw e;
      }
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw new TsruncError('INVALID_STATE', `cannot remove ${dir}: ${left[0]} is still mounted under it`);
}
