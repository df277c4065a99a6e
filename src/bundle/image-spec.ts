// The bundle's config.json from the image's config, on top of tsrunc's default spec (the one
// `tsrunc spec` writes), as `docker run` would run the image: Entrypoint + Cmd (arguments given
// after `--` replace Cmd, as `docker run IMAGE ARGS` does), the image's Env over the default
// PATH/TERM, WorkingDir, User (names looked up in the image's /etc/passwd and /etc/group), Labels as
// annotations, no terminal (as `docker run` without -t), and the volumes and binds as bind mounts.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import type { Mount, Spec } from '../generated/config';
import type { ImageConfig } from '../image/image-config';
import { defaultSpec } from '../spec/default-spec';
import { resolveInRoot } from './in-root';

export interface SpecInputs {
  image: ImageConfig;
  /** The mounted rootfs, to look user names up in. */
  rootfs: string;
  /** Arguments after `--`: replace the image's Cmd. */
  args: string[];
  binds: string[];
  volumes: { destination: string; source: string }[];
}

export function specFromImage(inputs: SpecInputs): Spec {
  const c = inputs.image.config ?? {};
  const spec = defaultSpec({ binds: inputs.binds });
  const args = [...(c.Entrypoint ?? []), ...(inputs.args.length ? inputs.args : (c.Cmd ?? []))];
  if (args.length === 0) throw new TsruncError('IMAGE_INVALID', 'the image has neither Entrypoint nor Cmd: give the command after "--"');
  const env = new Map<string, string>();
  for (const e of [...(spec.process!.env ?? []), ...(c.Env ?? [])]) {
    const eq = e.indexOf('=');
    env.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  spec.process = {
    ...spec.process!,
    terminal: false,
    args,
    env: [...env.values()],
    cwd: c.WorkingDir || '/',
    user: userOf(c.User ?? '', inputs.rootfs),
  };
  // The rootfs is the bundle's own writable layer, as `docker run` gives it (runc's spec: read-only).
  spec.root = { path: 'rootfs', readonly: false };
  if (c.Labels && Object.keys(c.Labels).length) spec.annotations = { ...c.Labels };
  const volumeMounts: Mount[] = inputs.volumes.map((v) => ({ destination: v.destination, type: 'bind', source: v.source, options: ['rbind', 'rprivate', 'rw'] }));
  // Volumes before binds: a bind given on the command line wins over an image VOLUME at the same path.
  const binds = spec.mounts!.splice(spec.mounts!.length - inputs.binds.length);
  spec.mounts!.push(...volumeMounts.filter((v) => !binds.some((b) => b.destination === v.destination)), ...binds);
  return spec;
}

/** Docker's USER forms: uid, uid:gid, name, name:group (names from the image's own files). */
function userOf(user: string, rootfs: string): { uid: number; gid: number } {
  if (user === '') return { uid: 0, gid: 0 };
  const [u, g] = user.split(':', 2);
  const passwd = /^\d+$/.test(u) ? null : lookup(rootfs, '/etc/passwd', u, 'User');
  const uid = passwd ? Number(passwd[2]) : Number(u);
  let gid = passwd ? Number(passwd[3]) : 0;
  if (!passwd && /^\d+$/.test(u)) {
    // A numeric uid still takes its primary group from passwd when the image has an entry for it.
    const entry = readEntries(rootfs, '/etc/passwd').find((f) => f[2] === u);
    if (entry) gid = Number(entry[3]);
  }
  if (g !== undefined) gid = /^\d+$/.test(g) ? Number(g) : Number(lookup(rootfs, '/etc/group', g, 'User')[2]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new TsruncError('IMAGE_INVALID', `image config User ${JSON.stringify(user)}: not a user`);
  return { uid, gid };
}

function lookup(rootfs: string, file: string, name: string, field: string): string[] {
  const entry = readEntries(rootfs, file).find((f) => f[0] === name);
  if (!entry) throw new TsruncError('IMAGE_INVALID', `image config ${field}: no ${JSON.stringify(name)} in the image's ${file}`);
  return entry;
}

function readEntries(rootfs: string, file: string): string[][] {
  const p = resolveInRoot(rootfs, file);
  if (!p || !fs.statSync(p).isFile()) return [];
  return fs.readFileSync(p, 'utf8').split('\n').map((l) => l.split(':'));
}
