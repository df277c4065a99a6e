// Image references in the transport syntax of containers/image (skopeo, podman, buildah):
// `oci:DIR[:NAME]`, `oci-archive:FILE[:NAME]`, `docker-archive:FILE[:NAME]`. As there, the path ends
// at the first ':' after the transport, so NAME may hold colons (`localhost/app:1.0`, `sha256:...`).
import * as path from 'node:path';

import { TsruncError } from '../errors';

export type Transport = 'oci' | 'oci-archive' | 'docker-archive';
const TRANSPORTS: readonly Transport[] = ['oci', 'oci-archive', 'docker-archive'];

export interface ImageRef {
  transport: Transport;
  /** The layout directory or archive file, absolute. */
  path: string;
  /** Which image of several: a ref name / tag, or a manifest (OCI) or config (docker) digest. */
  name?: string;
}

export function parseImageRef(ref: string): ImageRef {
  const fail = (why: string): never => {
    throw new TsruncError('INVALID_ARGUMENT', `--image ${JSON.stringify(ref)}: ${why} (expected oci:DIR[:NAME], oci-archive:FILE[:NAME] or docker-archive:FILE[:NAME])`);
  };
  const colon = ref.indexOf(':');
  if (colon < 0) fail('no transport');
  const transport = ref.slice(0, colon) as Transport;
  if (!TRANSPORTS.includes(transport)) fail(`unknown transport ${JSON.stringify(transport)}`);
  const rest = ref.slice(colon + 1);
  const sep = rest.indexOf(':');
  const file = sep < 0 ? rest : rest.slice(0, sep);
  const name = sep < 0 ? undefined : rest.slice(sep + 1);
  if (file === '') fail('no path');
  if (name === '') fail('an empty name after ":"');
  return { transport, path: path.resolve(file), name };
}
