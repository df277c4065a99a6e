// A `docker save` archive (read in place: image-files.ts): manifest.json lists each image's config file,
// tags and layer tars, bottom first. Layers are verified by their diff ids (the config's
// rootfs.diff_ids); the config by its name where that is its digest (`<sha256>.json`).
import { TsruncError } from '../errors';
import { digestOf } from '../layers/digest';
import { entryComponents } from '../layers/entry-path';
import { parseJson } from './blobs';
import type { Image } from './image';
import { parseImageConfig } from './image-config';
import { sniffCompression } from './layer-media-type';
import type { ImageFiles } from './image-files';

interface Entry { Config: string; RepoTags?: string[] | null; Layers: string[] }

export function readDockerArchive(files: ImageFiles, name: string | undefined, shown: string): Image {
  const file = (rel: unknown, what: string): string => {
    if (typeof rel !== 'string') throw new TsruncError('IMAGE_INVALID', `${shown}: manifest.json: ${what} is not a file name`);
    const p = entryComponents(shown, rel).join('/');
    if (files.size(p) === undefined) throw new TsruncError('IMAGE_INVALID', `${shown}: ${what} ${rel} is not in the archive`);
    return p;
  };
  const manifest = parseJson<Entry[]>(files.read(file('manifest.json', 'manifest')), `${shown}: manifest.json`);
  if (!Array.isArray(manifest) || manifest.length === 0) throw new TsruncError('IMAGE_INVALID', `${shown}: manifest.json lists no image`);
  const tags = (e: Entry) => (Array.isArray(e.RepoTags) ? e.RepoTags : []);
  let chosen: Entry | undefined;
  if (name === undefined) {
    if (manifest.length > 1) throw new TsruncError('IMAGE_INVALID', `${shown}: holds ${manifest.length} images; name one (${manifest.map((e) => tags(e)[0] ?? e.Config).join(', ')}) after a ':'`);
    chosen = manifest[0];
  } else {
    chosen = manifest.find((e) => tags(e).includes(name) || e.Config === `${name.replace(/^sha256:/, '')}.json`);
    if (!chosen) throw new TsruncError('IMAGE_INVALID', `${shown}: no image named ${JSON.stringify(name)} (it holds ${manifest.flatMap(tags).join(', ') || 'untagged images'})`);
  }
  const configData = files.read(file(chosen.Config, 'config'));
  const id = /^([a-f0-9]{64})\.json$/.exec(chosen.Config)?.[1];
  if (id && digestOf(configData) !== `sha256:${id}`) throw new TsruncError('IMAGE_INVALID', `${shown}: config ${chosen.Config}: digest mismatch: it hashes to ${digestOf(configData)}`);
  const config = parseImageConfig(configData, `${shown}: config ${chosen.Config}`);
  if (!Array.isArray(chosen.Layers) || chosen.Layers.length !== config.rootfs.diff_ids.length) {
    throw new TsruncError('IMAGE_INVALID', `${shown}: manifest.json lists ${chosen.Layers?.length} layers, the config ${config.rootfs.diff_ids.length} diff ids`);
  }
  const layers = chosen.Layers.map((rel, i) => {
    const p = file(rel, 'layer');
    return {
      digest: null, diffId: config.rootfs.diff_ids[i],
      // docker save's layers carry no media type: the first bytes say (gzip or zstd from newer Docker).
      get compression() { return sniffCompression(files.head(p, 4)); },
      open: () => files.open(p),
    };
  });
  return { name: name ?? tags(chosen)[0] ?? chosen.Config, config, layers };
}
