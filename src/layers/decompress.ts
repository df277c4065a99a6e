// The decompressor of a layer blob. gzip is Node's zlib. zstd (image-spec's `tar+zstd` layers) is
// the system's `zstd` (Debian package zstd, the reference implementation) run as a filter: Node
// 20's zlib has no zstd, and the tool decompresses in its own process, streaming, at C speed.
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import * as zlib from 'node:zlib';

import { TsruncError } from '../errors';

export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * A stream turning the blob into the layer tar. Its errors are TsruncErrors naming the layer
 * (`name`): IMAGE_INVALID for a corrupt stream, NOT_SUPPORTED when zstd is not installed.
 */
export function decompressor(compression: 'gzip' | 'zstd', name: string): Duplex {
  return compression === 'gzip' ? gunzip(name) : zstdFilter(name);
}

function gunzip(name: string): Duplex {
  const z = zlib.createGunzip();
  const out = new PassThrough();
  z.on('data', (c: Buffer) => { if (!out.write(c)) { z.pause(); out.once('drain', () => z.resume()); } });
  z.on('end', () => out.end());
  z.on('error', (e) => out.destroy(new TsruncError('IMAGE_INVALID', `layer ${name}: not a valid gzip stream: ${e.message}`, { cause: e })));
  return Duplex.from({ writable: z, readable: out });
}

function zstdFilter(name: string): Duplex {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  // The output ends only once zstd has exited 0: a corrupt stream is an error here, not a short tar.
  const out = new PassThrough();
  child.stdout.on('data', (c: Buffer) => { if (!out.write(c)) { child.stdout.pause(); out.once('drain', () => child.stdout.resume()); } });
  child.on('error', (e: NodeJS.ErrnoException) => {
    out.destroy(e.code === 'ENOENT'
      ? new TsruncError('NOT_SUPPORTED', `layer ${name}: a zstd layer needs the zstd tool (Debian package zstd), which is not on PATH`, { cause: e })
      : new TsruncError('SYSTEM', `layer ${name}: cannot run zstd: ${e.message}`, { cause: e }));
  });
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(new TsruncError('IMAGE_INVALID', `layer ${name}: not a valid zstd stream: ${stderr.trim() || `zstd exited with ${code ?? signal}`}`));
  });
  // EPIPE when zstd stops reading early: its exit status above says why.
  child.stdin.on('error', () => undefined);
  out.on('close', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return Duplex.from({ writable: child.stdin, readable: out });
}
