// From an image reference to an Image, whatever its transport. Archives are unpacked into a temp
// directory of the store first; `close()` removes it (the layers are in the store by then).
import * as fs from 'node:fs';

import type { Image } from './image';
import { unpackArchive } from './archive';
import { readDockerArchive } from './docker-archive';
import { readOciLayout } from './oci-layout';
import type { ImageRef } from './reference';

export async function openImage(ref: ImageRef, tmpRoot: string): Promise<{ image: Image; close(): void }> {
  if (ref.transport === 'oci') return { image: readOciLayout(ref.path, ref.name, ref.path), close: () => undefined };
  fs.mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(`${tmpRoot}/archive-${process.pid}-`);
  const close = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await unpackArchive(ref.path, dir);
    const image = ref.transport === 'oci-archive' ? readOciLayout(dir, ref.name, ref.path) : readDockerArchive(dir, ref.name, ref.path);
    return { image, close };
  } catch (e) {
    close();
    throw e;
  }
}
