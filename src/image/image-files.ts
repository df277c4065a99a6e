// The files of an image, wherever they are: a directory (an OCI layout) or an archive read in place
// (oci-archive, docker-archive). An archive is never unpacked: its entries are indexed from their
// headers alone (archive-index.ts) and each file is read from its byte range when it is needed - the
// metadata whole, a layer as a stream straight into the unpacker, and a layer the store already has
// never at all. So a second bundle of an image reads only the archive's headers and metadata.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';

import { TsruncError } from '../errors';
import { entryComponents } from '../layers/entry-path';
import { indexArchive } from './archive-index';

export interface ImageFiles {
  /** The size of the regular file `rel` (a clean relative path), or undefined when there is none. */
  size(rel: string): number | undefined;
  /** Its first `n` bytes (fewer if it is shorter). */
  head(rel: string, n: number): Buffer;
  read(rel: string): Buffer;
  open(rel: string): Readable;
}

export function directoryFiles(dir: string): ImageFiles {
  const at = (rel: string) => `${dir}/${rel}`;
  return {
    size: (rel) => {
      const st = fs.statSync(at(rel), { throwIfNoEntry: false });
      return st?.isFile() ? st.size : undefined;
    },
    head: (rel, n) => readRange(at(rel), 0, n),
    read: (rel) => fs.readFileSync(at(rel)),
    open: (rel) => fs.createReadStream(at(rel)),
  };
}

export function archiveFiles(file: string): ImageFiles {
  const index = indexArchive(file);
  const entry = (rel: string) => {
    const e = index.get(rel);
    if (!e) throw new TsruncError('IMAGE_INVALID', `${file}: no ${rel} in the archive`);
    return e;
  };
  return {
    size: (rel) => index.get(rel)?.size,
    head: (rel, n) => { const e = entry(rel); return readRange(file, e.offset, Math.min(n, e.size)); },
    read: (rel) => { const e = entry(rel); return readRange(file, e.offset, e.size); },
    open: (rel) => {
      const e = entry(rel);
      // createReadStream's end is inclusive; an empty file is an empty stream.
      return fs.createReadStream(file, e.size ? { start: e.offset, end: e.offset + e.size - 1 } : { start: 0, end: -1 });
    },
  };
}

/** `rel` checked as a layer entry's name is (no `..`, no absolute path), joined with '/'. */
export function cleanRel(shown: string, rel: string): string {
  return entryComponents(shown, rel).join('/');
}

function readRange(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}
