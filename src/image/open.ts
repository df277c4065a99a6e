// From an image reference to an Image, whatever its transport. An archive is read in place
// (image-files.ts): nothing is unpacked or copied out of it, and a layer the store already has is
// never read.
import type { Image } from './image';
import { readDockerArchive } from './docker-archive';
import { archiveFiles, directoryFiles } from './image-files';
import { readOciLayout } from './oci-layout';
import type { ImageRef } from './reference';

export function openImage(ref: ImageRef): Image {
  switch (ref.transport) {
    case 'oci':
      return readOciLayout(directoryFiles(ref.path), ref.name, ref.path);
    case 'oci-archive':
      return readOciLayout(archiveFiles(ref.path), ref.name, ref.path);
    case 'docker-archive':
      return readDockerArchive(archiveFiles(ref.path), ref.name, ref.path);
  }
}
