// The path of a tar entry inside the layer it belongs to. A layer is a tree of its own: an entry
// may only name a place in it. `..` is refused outright (even `a/../b`, which stays inside: no image
// builder writes it, and refusing it means no entry ever has to be resolved), an absolute name is
// read relative to the layer root as docker and containerd read it ("/etc/x" is "etc/x").
import { TsruncError } from '../errors';

/** Where a refusal of an entry points: the layer (its digest) and the entry's name as stored. */
export function entryError(layer: string, entry: string, why: string): TsruncError {
  return new TsruncError('IMAGE_INVALID', `layer ${layer}: entry ${JSON.stringify(entry)}: ${why}`);
}

/**
 * The entry's name as path components inside the layer ([] for the layer root itself).
 * Throws IMAGE_INVALID naming the entry for `..`, NUL or an empty name.
 */
export function entryComponents(layer: string, name: string): string[] {
  if (name.includes('\0')) throw entryError(layer, name, 'NUL in the name');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw entryError(layer, name, 'a ".." path component (the entry would leave the layer)');
  return parts;
}
