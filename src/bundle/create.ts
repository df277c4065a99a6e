// `tsrunc bundle create`: an image becomes an OCI bundle any runtime can run. The layers are
// unpacked (once, verified) into the layer store, the rootfs is an overlay of them with the
// bundle's own upper and work directories, volumes come from the volume store (new ones seeded
// from the image), and config.json from the image's config. A failure undoes what was done.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import { openImage } from '../image/open';
import { parseImageRef } from '../image/reference';
import { LayerStore } from '../layers/store';
import { toRootless } from '../spec/default-spec';
import { writeConfig } from '../spec/write-config';
import { seedVolume } from '../volumes/seed';
import { checkVolumeName, VolumeStore } from '../volumes/store';
import { resolveInRoot } from './in-root';
import { specFromImage } from './image-spec';
import { withMergedView } from './merged-view';
import { mountOverlay, overlayDirs } from './overlay';
import { writeRecord, type BundleRecord } from './record';
import { removeBundle } from './remove';
import { isVolumeUser } from './volume-users';

export interface CreateBundleOptions {
  /** oci:DIR[:NAME], oci-archive:FILE[:NAME], docker-archive:FILE[:NAME]. */
  image: string;
  bundle: string;
  /** "[NAME:]/CTR": anonymous without NAME. */
  volumes?: string[];
  /** "HOST:CTR[:ro]", as `spec --bind`. */
  binds?: string[];
  /** Replace the image's Cmd. */
  args?: string[];
  /** The layer and volume store (default store-root.ts). */
  store: string;
}

export interface CreatedBundle {
  bundle: string;
  layers: string[];
  volumes: { name: string; destination: string; path: string }[];
}

export async function createBundle(opts: CreateBundleOptions): Promise<CreatedBundle> {
  const ref = parseImageRef(opts.image);
  const requested = (opts.volumes ?? []).map(parseVolume);
  // Root mounts the overlay here, on the host; an unprivileged user cannot, so its containers'
  // runtime mounts it in their own mount namespaces (runtime-overlay.ts).
  const rootless = process.geteuid?.() !== 0;
  const bundle = path.resolve(opts.bundle);
  const existed = fs.existsSync(bundle);
  if (existed && fs.readdirSync(bundle).length) throw new TsruncError('INVALID_ARGUMENT', `${bundle} exists and is not empty`);

  const layerStore = new LayerStore(opts.store);
  const image = openImage(ref);
  const layers: string[] = [];
  for (const layer of image.layers) layers.push(await layerStore.ensure(layer));

  fs.mkdirSync(bundle, { recursive: true, mode: 0o711 });
  const record: BundleRecord = { version: 1, image: `${ref.transport}:${ref.path}${ref.name ? ':' + ref.name : ''}`, store: opts.store, layers, volumes: [], overlay: rootless ? 'container' : 'host' };
  try {
    const dirs = overlayDirs(bundle);
    writeRecord(bundle, record);
    for (const d of [dirs.rootfs, dirs.upper, dirs.work]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    fs.chmodSync(`${bundle}/overlay`, 0o700);
    if (!rootless) mountOverlay(layers, dirs);

    const volumes = planVolumes(image.config.config?.Volumes ?? {}, requested, opts.binds ?? []);
    // Named first in the record, then acquired: a removal after a crash here releases what was taken.
    record.volumes = volumes.map((v) => ({ name: v.name ?? crypto.randomBytes(32).toString('hex'), destination: v.destination, anonymous: v.name === undefined }));
    writeRecord(bundle, record);
    const store = new VolumeStore(opts.store, isVolumeUser);
    const { acquired, spec } = await withMergedView(layers, dirs, rootless, (tree) => {
      const acquired = store.locked(() =>
        record.volumes.map((v) => {
          const got = store.acquire(v.name, v.anonymous, bundle);
          if (got.created) {
            const seed = resolveInRoot(tree, v.destination);
            if (seed) seedVolume(seed, got.path);
          }
          return { name: v.name, destination: v.destination, path: got.path };
        }),
      );
      const spec = specFromImage({ image: image.config, rootfs: tree, args: opts.args ?? [], binds: opts.binds ?? [], volumes: acquired.map((v) => ({ destination: v.destination, source: v.path })) });
      return { acquired, spec: rootless ? toRootless(spec) : spec };
    });
    writeConfig(bundle, spec);
    return { bundle, layers, volumes: acquired };
  } catch (e) {
    try {
      removeBundle(bundle, { stateRoot: '', force: true });
      if (existed) fs.mkdirSync(bundle);
    } catch {
      // The original error matters more; `bundle rm` finishes what is left.
    }
    throw e;
  }
}

/** "[NAME:]/CTR". */
function parseVolume(s: string): { name?: string; destination: string } {
  const colon = s.indexOf(':');
  const name = colon < 0 ? undefined : s.slice(0, colon);
  const ctr = colon < 0 ? s : s.slice(colon + 1);
  if (name !== undefined) checkVolumeName(name);
  if (!ctr.startsWith('/')) throw new TsruncError('INVALID_ARGUMENT', `invalid volume ${JSON.stringify(s)}: the container path must be absolute (expected [NAME:]/CONTAINER)`);
  const destination = path.posix.normalize(ctr).replace(/(.)\/$/, '$1');
  if (destination === '/') throw new TsruncError('INVALID_ARGUMENT', `invalid volume ${JSON.stringify(s)}: a volume cannot be "/"`);
  return { name, destination };
}

/** The image's VOLUMEs (anonymous) and the requested ones; a requested volume or bind at the same path wins. */
function planVolumes(imageVolumes: Record<string, object>, requested: { name?: string; destination: string }[], binds: string[]): { name?: string; destination: string }[] {
  const bindDests = new Set(binds.map((b) => path.posix.normalize(b.split(':')[1] ?? '').replace(/(.)\/$/, '$1')));
  const out = new Map<string, { name?: string; destination: string }>();
  for (const dest of Object.keys(imageVolumes)) {
    const d = path.posix.normalize(dest).replace(/(.)\/$/, '$1');
    if (d.startsWith('/') && d !== '/') out.set(d, { destination: d });
  }
  for (const v of requested) out.set(v.destination, v);
  return [...out.values()].filter((v) => !bindDests.has(v.destination));
}
