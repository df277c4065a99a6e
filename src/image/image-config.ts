// The image configuration (image-spec config.md; docker's is the same shape): what a bundle's
// config.json is made from, and the layers' diff ids. Only the fields tsrunc uses are checked.
import { TsruncError } from '../errors';

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Volumes?: Record<string, object> | null;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
}

const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Parses and checks a config blob; throws IMAGE_INVALID naming the field. */
export function parseImageConfig(data: Buffer, what: string): ImageConfig {
  let doc: ImageConfig;
  try {
    doc = JSON.parse(data.toString('utf8')) as ImageConfig;
  } catch (e) {
    throw new TsruncError('IMAGE_INVALID', `${what}: not JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, why: string): never => {
    throw new TsruncError('IMAGE_INVALID', `${what}: ${field} ${why}`);
  };
  if (typeof doc !== 'object' || doc === null) fail('the document', 'is not an object');
  if (!doc.rootfs || !strings(doc.rootfs.diff_ids)) fail('rootfs.diff_ids', 'is not a list of digests');
  const c = doc.config ?? {};
  for (const key of ['Env', 'Entrypoint', 'Cmd'] as const) {
    if (c[key] !== undefined && c[key] !== null && !strings(c[key])) fail(`config.${key}`, 'is not a list of strings');
  }
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'string') fail(`config.${key}`, 'is not a string');
  }
  for (const key of ['Volumes', 'Labels'] as const) {
    if (c[key] !== undefined && c[key] !== null && (typeof c[key] !== 'object' || Array.isArray(c[key]))) fail(`config.${key}`, 'is not an object');
  }
  if (c.Labels && !Object.values(c.Labels).every((v) => typeof v === 'string')) fail('config.Labels', 'has a value that is not a string');
  return doc;
}
