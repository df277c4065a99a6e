// From an image reference to an Image, whatever its transport. Archives are unpacked into a temp
// directory of the store first; `close()` removes it (the layers are in the store by then).
import * as fs from 'node:fs';

import type { Image } from './image';
import { unpackArchive } from './archive';
import { readDockerArchive } from './docker-archive';
import { readOciLayout } from './oci-layout';
import type { ImageRef } from './reference';

/** Metadata (index, manifests, configs) is small: a first pass takes only files up to this size. */
const SMALL = 4 << 20;

/**
 * `has(diffId)`: whether the store already holds a layer; an archive's layers the store has are
 * never copied out of it (a second bundle of an image reads only its metadata).
 */
export async function openImage(ref: ImageRef, tmpRoot: string, has: (diffId: string) => boolean = () => false): Promise<{ image: Image; close(): void }> {
  if (ref.transport === 'oci') return { image: readOciLayout(ref.path, ref.name, ref.path), close: () => undefined };
  fs.mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(`${tmpRoot}/archive-${process.pid}-`);
  const close = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await unpackArchive(ref.path, dir, (_name, size) => size <= SMALL);
    const read = () => (ref.transport === 'oci-archive' ? readOciLayout(dir, ref.name, ref.path) : readDockerArchive(dir, ref.name, ref.path, true));
    let image = read();
    const missing = new Set(image.layers.filter((l) => !has(l.diffId) && !fs.existsSync(l.file)).map((l) => l.file.slice(dir.length + 1)));
    if (missing.size) {
      await unpackArchive(ref.path, dir, (name) => missing.has(name));
      image = read();
    }
    return { image, close };
  } catch (e) {
    close();
    throw e;
  }
}
