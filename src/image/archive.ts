// An image archive (oci-archive: a tar of an OCI layout; docker-archive: `docker save`'s tar) is
// unpacked into a private temp directory of the store and read from there. Only its regular files
// and directories are taken, each name vetted as a layer entry's is (no `..`): docker-archive's
// `<id>/layer.tar` symlinks are skipped, manifest.json names the files themselves.
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

import * as tarStream from 'tar-stream';

import { TsruncError } from '../errors';
import { entryComponents } from '../layers/entry-path';

export async function unpackArchive(file: string, dest: string): Promise<void> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new TsruncError('IMAGE_INVALID', `${file}: no such archive`);
  const extract = tarStream.extract();
  const input = fs.createReadStream(file);
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const body = entry as unknown as Readable;
      const parts = entryComponents(file, entry.header.name);
      const target = [dest, ...parts].join('/');
      if (entry.header.type === 'directory' && parts.length) {
        fs.mkdirSync(target, { recursive: true, mode: 0o700 });
        body.resume();
      } else if (entry.header.type === 'file' && parts.length) {
        fs.mkdirSync(target.slice(0, target.lastIndexOf('/')), { recursive: true, mode: 0o700 });
        await pipeline(body, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
      } else {
        body.resume();
      }
    }
  } catch (e) {
    input.destroy();
    if (e instanceof TsruncError) throw e;
    throw new TsruncError('IMAGE_INVALID', `${file}: not a readable image archive: ${(e as Error).message}`, { cause: e });
  }
}
