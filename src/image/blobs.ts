// Blobs of an OCI image layout (image-spec image-layout.md): blobs/<algorithm>/<hex>. A digest is
// checked before it becomes a path (parseDigest), and a blob read whole is verified against it.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';

import { TsruncError } from '../errors';
import { digestOf, parseDigest } from '../layers/digest';

/** Manifests, indexes and configs are small; a larger "manifest" is refused rather than read. */
const MAX_METADATA_BLOB = 4 << 20;

export function blobPath(layout: string, digest: string, what: string): string {
  const { algorithm, hex } = parseDigest(digest, what);
  return `${layout}/blobs/${algorithm}/${hex}`;
}

/** A metadata blob, read whole and verified against its digest (and its descriptor's size). */
export function readBlob(layout: string, digest: string, what: string, size?: number): Buffer {
  const file = blobPath(layout, digest, what);
  let data: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${file} is not a regular file`);
    if (st.size > MAX_METADATA_BLOB) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${st.size} bytes, more than a ${what} may have`);
    data = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof TsruncError) throw e;
    throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (size !== undefined && data.length !== size) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${data.length} bytes, its descriptor says ${size}`);
  const actual = digestOf(data, parseDigest(digest, what).algorithm);
  if (actual !== digest) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: digest mismatch: the blob hashes to ${actual}`);
  return data;
}

/** A layer blob as a stream (verified by the layer store while it unpacks). */
export function openBlob(layout: string, digest: string, what: string): Readable {
  const file = blobPath(layout, digest, what);
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new TsruncError('IMAGE_INVALID', `${what} ${digest}: ${file} is missing`);
  return fs.createReadStream(file);
}

export function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (e) {
    throw new TsruncError('IMAGE_INVALID', `${what}: not JSON: ${(e as Error).message}`);
  }
}
