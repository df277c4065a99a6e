// linux.uidMappings/gidMappings -> /proc/<init>/uid_map and gid_map, written from outside the new
// user namespace while the init waits for "go" (sync step 3): the init becomes root of the
// namespace only once they exist.
//
// The kernel's rules (user_namespaces(7)) decide how: a writer with CAP_SETUID/CAP_SETGID in the
// parent namespace (root) writes any map itself; an unprivileged owner may write only a one-line
// map of its own uid (and of its own gid, after "deny" to setgroups); any other map goes through
// the setuid helpers newuidmap/newgidmap (Debian's `uidmap`), which check /etc/subuid and
// /etc/subgid. runc (libcontainer's handleMapping) follows the same rules.
import * as fs from 'node:fs';

import { TsruncError } from '../errors';

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface IdMaps {
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

type Kind = 'uid' | 'gid';

const field = (kind: Kind) => `/linux/${kind}Mappings`;

/** The maps of a new user namespace of the config; null when it has none (no user namespace, or one joined). */
export function configIdMaps(linux: { namespaces?: { type: string; path?: string }[]; uidMappings?: IdMapping[]; gidMappings?: IdMapping[] } | undefined): IdMaps | null {
  const user = linux?.namespaces?.find((ns) => ns.type === 'user');
  if (!user || user.path) return null;
  return { uidMappings: linux?.uidMappings ?? [], gidMappings: linux?.gidMappings ?? [] };
}

/** An unprivileged caller may write this map itself: one line mapping just its own id. */
function ownIdOnly(maps: IdMapping[], own: number): boolean {
  return maps.length === 1 && maps[0].size === 1 && maps[0].hostID === own;
}

function mapText(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function writeProc(pid: number, file: string, text: string, pointer: string): void {
  try {
    fs.writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new TsruncError('SETUP_FAILED', `config.json ${pointer}: write /proc/${pid}/${file}: ${err.code ?? String(e)}${err.code === 'EPERM' || err.code === 'EINVAL' ? ' (a host id outside what this user may map, or overlapping ranges)' : ''}`, { pointer, cause: e });
  }
}

function runHelper(kind: Kind, pid: number, maps: IdMapping[]): void {
  const helper = kind === 'uid' ? 'newuidmap' : 'newgidmap';
  const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  try {
    // Loaded only here: child_process costs every other create its load time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    execFileSync(helper, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = err.code === 'ENOENT'
      ? `${helper} is not installed (Debian: apt-get install uidmap); without it a rootless container can map only the caller's own ${kind}`
      : `${helper} ${args.join(' ')} failed: ${(err.stderr?.toString() ?? String(e)).trim()} (are the ranges in /etc/sub${kind}?)`;
    throw new TsruncError('SETUP_FAILED', `config.json ${field(kind)}: ${why}`, { pointer: field(kind), cause: e });
  }
}

/**
 * Writes the maps of the init `pid`'s new user namespace. `euid`/`egid`: this process's (the
 * namespace's creator's, which decides what it may write itself).
 */
export function writeIdMaps(pid: number, maps: IdMaps, euid = process.geteuid?.() ?? 0, egid = process.getegid?.() ?? 0): void {
  if (euid === 0) {
    writeProc(pid, 'uid_map', mapText(maps.uidMappings), field('uid'));
    writeProc(pid, 'gid_map', mapText(maps.gidMappings), field('gid'));
    return;
  }
  if (ownIdOnly(maps.uidMappings, euid)) writeProc(pid, 'uid_map', mapText(maps.uidMappings), field('uid'));
  else runHelper('uid', pid, maps.uidMappings);
  if (ownIdOnly(maps.gidMappings, egid)) {
    // The kernel lets an unprivileged owner write a gid map only once setgroups is denied for good.
    writeProc(pid, 'setgroups', 'deny', field('gid'));
    writeProc(pid, 'gid_map', mapText(maps.gidMappings), field('gid'));
  } else {
    runHelper('gid', pid, maps.gidMappings);
  }
}
