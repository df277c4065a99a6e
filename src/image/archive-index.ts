// The regular files of an image archive (a tar: `podman save`, `skopeo copy oci-archive:`,
// `docker save`) and where their bytes are, read from the headers alone: each body is skipped with
// a seek, never read. tar-stream parses by reading every byte, which for an archive whose layers the
// store already has would be a pass over all of them; the archive itself is plain ustar/pax/GNU
// (the layers inside are parsed and vetted by tar-stream in src/layers/unpack.ts). Names are vetted
// as layer entries' are (entry-path.ts): no `..`, nothing absolute.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { entryComponents } from '../layers/entry-path';

export interface ArchiveEntry { offset: number; size: number }

const BLOCK = 512;

export function indexArchive(file: string): Map<string, ArchiveEntry> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new TsruncError('IMAGE_INVALID', `${file}: no such archive (${(e as Error).message})`, { cause: e });
  }
  const bad = (why: string): never => { throw new TsruncError('IMAGE_INVALID', `${file}: not a readable image archive: ${why}`); };
  const files = new Map<string, ArchiveEntry>();
  try {
    const total = fs.fstatSync(fd).size;
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    let longName: string | null = null;
    let paxName: string | null = null;
    let paxSize: number | null = null;
    while (at + BLOCK <= total) {
      if (fs.readSync(fd, header, 0, BLOCK, at) !== BLOCK) bad(`short read at ${at}`);
      if (header.every((b) => b === 0)) break; // end-of-archive blocks
      if (checksum(header) !== octal(header, 148, 8)) bad(`a corrupt header at byte ${at}`);
      const type = String.fromCharCode(header[156] || 0x30);
      let size = header[124] & 0x80 ? base256(header.subarray(124, 136)) : octal(header, 124, 12);
      if (paxSize !== null && type !== 'x' && type !== 'g' && type !== 'L') size = paxSize;
      const body = at + BLOCK;
      if (body + size > total) bad(`entry at byte ${at} runs past the end`);
      if (type === 'x' || type === 'g' || type === 'L') {
        if (size > 1 << 20) bad(`an extended header of ${size} bytes`);
        const data = Buffer.alloc(size);
        fs.readSync(fd, data, 0, size, body);
        if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
        else if (type === 'x') ({ path: paxName, size: paxSize } = paxRecords(data));
      } else {
        const prefix = cstr(header, 345, 155);
        const name = longName ?? paxName ?? (prefix && header.subarray(257, 262).toString('latin1') === 'ustar' ? `${prefix}/${cstr(header, 0, 100)}` : cstr(header, 0, 100));
        longName = paxName = null;
        paxSize = null;
        if (type === '0' || type === '7') {
          const parts = entryComponents(file, name);
          if (parts.length) files.set(parts.join('/'), { offset: body, size });
        }
      }
      at = body + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    fs.closeSync(fd);
  }
  return files;
}

function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(b: Buffer, off: number, len: number): number {
  const s = cstr(b, off, len).trim();
  return s ? Number.parseInt(s, 8) : 0;
}

function base256(b: Buffer): number {
  let n = 0;
  for (let i = 1; i < b.length; i++) n = n * 256 + b[i];
  return n;
}

function checksum(h: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += h[i];
  return sum;
}

/** The `path` and `size` records of a PAX header ("LEN KEY=VALUE\n" each). */
function paxRecords(data: Buffer): { path: string | null; size: number | null } {
  let path: string | null = null;
  let size: number | null = null;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? 0 : Number.parseInt(data.subarray(at, space).toString('latin1'), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    if (rec.slice(0, eq) === 'size') size = Number(rec.slice(eq + 1));
    at += len;
  }
  return { path, size };
}
