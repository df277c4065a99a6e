// An OCI image layout directory (what `skopeo copy ... oci:DIR`, `podman save --format oci-dir` and
// an unpacked oci-archive hold): index.json -> (an index for several platforms ->) the manifest ->
// config + layers. The image is chosen by name (the org.opencontainers.image.ref.name annotation,
// exactly, or its tag after the last ':') or manifest digest when the index holds several.
import { TsruncError } from '../errors';
import type { Image } from './image';
import { parseImageConfig } from './image-config';
import { openBlob, parseJson, readBlob } from './blobs';
import type { ImageFiles } from './image-files';
import { layerCompression } from './layer-media-type';
import { hostPlatform, platformMatches } from './platform';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}
interface Index { manifests?: Descriptor[] }
interface Manifest { mediaType?: string; config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] }

const REF_NAME = 'org.opencontainers.image.ref.name';
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export function readOciLayout(layout: ImageFiles, name: string | undefined, shown: string): Image {
  let indexData: Buffer;
  try {
    if (layout.size('index.json') === undefined) throw new Error('no index.json');
    indexData = layout.read('index.json');
  } catch (e) {
    throw new TsruncError('IMAGE_INVALID', `${shown}: no OCI image layout here (cannot read index.json: ${(e as Error).message})`, { cause: e });
  }
  const index = parseJson<Index>(indexData, `${shown}: index.json`);
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  const chosen = choose(entries, name, shown);
  const manifest = resolveManifest(layout, chosen, shown, 0);
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new TsruncError('IMAGE_INVALID', `${shown}: manifest ${chosen.digest} has no config or layers`);
  const config = parseImageConfig(readBlob(layout, manifest.config.digest, 'image config', manifest.config.size), `${shown}: image config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new TsruncError('IMAGE_INVALID', `${shown}: the manifest lists ${manifest.layers.length} layers, the config ${diffIds.length} diff ids`);
  }
  const layers = manifest.layers.map((d, i) => {
    const type = d.mediaType ?? '';
    const compression = layerCompression(type);
    if (compression === null) throw new TsruncError('IMAGE_INVALID', `${shown}: layer ${d.digest}: media type ${JSON.stringify(type)} is no layer tar`);
    return { digest: d.digest, diffId: diffIds[i], compression, open: () => openBlob(layout, d.digest, 'layer') };
  });
  return { name: chosen.annotations?.[REF_NAME] ?? chosen.digest, config, layers };
}

function choose(entries: Descriptor[], name: string | undefined, shown: string): Descriptor {
  const names = entries.map((d) => d.annotations?.[REF_NAME] ?? d.digest);
  if (name === undefined) {
    if (entries.length === 1) return entries[0];
    throw new TsruncError('IMAGE_INVALID', `${shown}: holds ${entries.length} images; name one (${names.join(', ') || 'none'}) after a ':'`);
  }
  const found = entries.filter((d) => d.digest === name || d.annotations?.[REF_NAME] === name);
  const byTag = found.length ? found : entries.filter((d) => d.annotations?.[REF_NAME]?.split(':').pop() === name && !name.includes('/'));
  if (byTag.length === 1) return byTag[0];
  throw new TsruncError('IMAGE_INVALID', `${shown}: ${byTag.length ? 'several images' : 'no image'} named ${JSON.stringify(name)} (it holds ${names.join(', ') || 'none'})`);
}

/** A manifest, through indexes (several platforms: this machine's). */
function resolveManifest(layout: ImageFiles, d: Descriptor, shown: string, depth: number): Manifest {
  if (depth > 4) throw new TsruncError('IMAGE_INVALID', `${shown}: indexes nested too deep`);
  const doc = parseJson<Manifest>(readBlob(layout, d.digest, 'manifest', d.size), `${shown}: manifest ${d.digest}`);
  if (INDEX_TYPES.has(d.mediaType ?? '') || INDEX_TYPES.has(doc.mediaType ?? '') || Array.isArray(doc.manifests)) {
    const match = (doc.manifests ?? []).find((m) => platformMatches(m.platform));
    const { os, architecture } = hostPlatform();
    if (!match) throw new TsruncError('IMAGE_INVALID', `${shown}: index ${d.digest} has no image for ${os}/${architecture}`);
    return resolveManifest(layout, match, shown, depth + 1);
  }
  return doc;
}
