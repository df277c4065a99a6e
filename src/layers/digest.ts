// Content digests ("sha256:<hex>", the image-spec's descriptor form), computed while a stream passes.
import * as crypto from 'node:crypto';
import { PassThrough } from 'node:stream';

import { TsruncError } from '../errors';

const ALGORITHMS: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };

/** Splits and checks a digest; throws IMAGE_INVALID naming `what` for anything else (a path in disguise included). */
export function parseDigest(digest: unknown, what: string): { algorithm: string; hex: string } {
  const [algorithm, hex, extra] = typeof digest === 'string' ? digest.split(':') : [];
  if (extra !== undefined || !algorithm || !hex || !ALGORITHMS[algorithm]?.test(hex)) {
    throw new TsruncError('IMAGE_INVALID', `${what}: ${JSON.stringify(digest)} is not a sha256 or sha512 digest`);
  }
  return { algorithm, hex };
}

export function digestOf(data: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${crypto.createHash(algorithm).update(data).digest('hex')}`;
}

/** A pass-through stream that hashes what goes through it; `digest()` once it has ended. */
export function hashingStream(algorithm: string): PassThrough & { digest(): string } {
  const hash = crypto.createHash(algorithm);
  const s = new PassThrough() as PassThrough & { digest(): string };
  s.on('data', (chunk: Buffer) => hash.update(chunk));
  let result: string | undefined;
  s.digest = () => (result ??= `${algorithm}:${hash.digest('hex')}`);
  return s;
}
