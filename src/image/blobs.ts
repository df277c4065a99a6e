// Blobs of an OCI image layout (image-spec image-layout.md): blobs/<algorithm>/<hex>, in a
// directory or an archive (image-files.ts). A digest is checked before it becomes a path
// (parseDigest), and a blob read whole is verified against it.
import type { Readable } from 'node:stream';

import { TsruncError } from '../errors';
import { digestOf, parseDigest } from '../layers/digest';
import type { ImageFiles } from './image-files';

/** Manifests, indexes and configs are small; a larger "manifest" is refused rather than read. */
const MAX_METADATA_BLOB = 4 << 20;

export function blobPath(digest: string, what: string): string {
  const { algorithm, hex } = parseDigest(digest, what);
  return `blobs/${algorithm}/${hex}`;
}

/** A metadata blob, read whole and verified against its digest (and its descriptor's size). */
export function readBlob(files: ImageFiles, digest: string, what: string, size?: number): Buffer {
  const rel = blobPath(digest, what);
  let data: Buffer;
  try {
    const actualSize = files.size(rel);
    if (actualSize === undefined) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${rel} is missing`);
    if (actualSize > MAX_METADATA_BLOB) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${actualSize} bytes, more than a ${what} may have`);
    data = files.read(rel);
  } catch (e) {
    if (e instanceof TsruncError) throw e;
    throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: cannot read ${rel}: ${(e as Error).message}`, { cause: e });
  }
  if (size !== undefined && data.length !== size) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${data.length} bytes, its descriptor says ${size}`);
  const actual = digestOf(data, parseDigest(digest, what).algorithm);
  if (actual !== digest) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: digest mismatch: the blob hashes to ${actual}`);
  return data;
}

/** A layer blob as a stream (verified by the layer store while it unpacks). */
export function openBlob(files: ImageFiles, digest: string, what: string): Readable {
  const rel = blobPath(digest, what);
  if (files.size(rel) === undefined) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${rel} is missing`);
  return files.open(rel);
}

export function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (e) {
    throw new TsruncError('IMAGE_INVALID', `${what}: not JSON: ${(e as Error).message}`);
  }
}
