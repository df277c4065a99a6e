// The content-addressed layer store: every layer unpacked once, under
// <store>/layers/<algorithm>/<hex> of its diff id (the digest of the uncompressed tar, the same for
// an OCI archive's gzip blob and a docker-archive's plain tar), shared read-only by every bundle
// made from it as an overlayfs lower directory. A layer is unpacked into a private directory under
// <store>/tmp and renamed into place only once both its digests are verified, so the store never
// holds a half-unpacked or unverified layer: a crash leaves a temp directory, removed by the next
// unpack once its process is gone.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { TsruncError } from '../errors';
import { decompressor, type Compression } from './decompress';
import { hashingStream, parseDigest } from './digest';
import { unpackLayer } from './unpack';

/** One layer of an image, as an image reader (src/image/) describes it. */
export interface LayerSource {
  /** The blob's digest (compressed, as the manifest lists it); null when the format has none (docker-archive). */
  digest: string | null;
  /** The uncompressed tar's digest (the image config's rootfs.diff_ids). */
  diffId: string;
  /** How the blob is compressed. */
  compression: Compression;
  /** The blob's bytes. */
  open(): Readable;
}

export class LayerStore {
  constructor(readonly root: string) {}

  /** The unpacked layer's directory (whether or not it is there yet). */
  layerDir(diffId: string): string {
    const { algorithm, hex } = parseDigest(diffId, 'layer diff id');
    return `${this.root}/layers/${algorithm}/${hex}`;
  }

  has(diffId: string): boolean {
    return fs.existsSync(this.layerDir(diffId));
  }

  /** Unpacks the layer unless the store has it; its directory. */
  async ensure(layer: LayerSource): Promise<string> {
    const final = this.layerDir(layer.diffId);
    if (this.has(layer.diffId)) return final;
    const tmpRoot = `${this.root}/tmp`;
    fs.mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
    fs.mkdirSync(`${this.root}/layers`, { recursive: true, mode: 0o700 });
    clearDeadTemps(tmpRoot);
    const tmp = fs.mkdtempSync(`${tmpRoot}/layer-${process.pid}-`);
    try {
      await this.unpackVerified(layer, tmp);
      fs.mkdirSync(final.slice(0, final.lastIndexOf('/')), { recursive: true, mode: 0o700 });
      try {
        fs.renameSync(tmp, final);
      } catch (e) {
        // Another bundle unpacked the same layer meanwhile: theirs is as good.
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      return final;
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  private async unpackVerified(layer: LayerSource, dir: string): Promise<void> {
    const name = layer.digest ?? layer.diffId;
    const blobHash = layer.digest ? hashingStream(parseDigest(layer.digest, 'layer digest').algorithm) : null;
    const tarHash = hashingStream(parseDigest(layer.diffId, 'layer diff id').algorithm);
    const raw = layer.open();
    let stream: Readable = raw;
    const fail = (e: unknown) => tarHash.destroy(e as Error);
    raw.on('error', fail);
    if (blobHash) stream = stream.pipe(blobHash);
    if (layer.compression !== 'none') {
      const decompress = decompressor(layer.compression, name);
      decompress.on('error', fail);
      stream = stream.pipe(decompress);
    }
    stream = stream.pipe(tarHash);
    try {
      await unpackLayer(stream, dir, { layer: name, privileged: process.geteuid?.() === 0 });
    } catch (e) {
      raw.destroy();
      throw e;
    }
    // tar-stream stops at the end-of-archive blocks: the padding after them is part of the digest.
    await finished(tarHash);
    if (blobHash && blobHash.digest() !== layer.digest) {
      throw new TsruncError('IMAGE_INVALID', `layer ${layer.digest}: digest mismatch: its blob hashes to ${blobHash.digest()}`);
    }
    if (tarHash.digest() !== layer.diffId) {
      throw new TsruncError('IMAGE_INVALID', `layer ${name}: digest mismatch: its tar hashes to ${tarHash.digest()}, the image config says ${layer.diffId}`);
    }
  }
}

/** Removes temp directories whose unpacking process is gone (a crash mid-unpack). */
function clearDeadTemps(tmpRoot: string): void {
  for (const name of fs.readdirSync(tmpRoot)) {
    const pid = Number(/^[a-z]+-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(`${tmpRoot}/${name}`, { recursive: true, force: true });
    }
  }
}
