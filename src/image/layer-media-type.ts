// A layer's compression, from its descriptor's media type (image-spec media-types.md and
// layer.md; Docker's manifest v2 schema 2 types, which containers/image writes into OCI layouts
// from docker sources). The non-distributable types are deprecated but still valid layers: their
// blobs are here, so they unpack like any other.
import type { Compression } from '../layers/decompress';

const LAYER_MEDIA_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/** The compression a layer media type names; null for anything that is not a layer tar. */
export function layerCompression(mediaType: string): Compression | null {
  return LAYER_MEDIA_TYPES[mediaType] ?? null;
}

/** A blob's compression from its first bytes (docker-archive has no media types): gzip 1f 8b, zstd 28 b5 2f fd. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}
