// A container's cgroup that exists before `create` makes it: left behind by a crashed engine, made by
// an admin, or a pod's that the container joins. runc looks at it before it starts anything
// (libcontainer's factory Create), and so does tsrunc, with runc's words:
//   - frozen (itself, or an ancestor): the init would freeze the moment it is placed and never report
//     that it is ready, so `create` would wait for ever on state the host left. Refused at once.
//   - processes in it: runc goes on with a warning, so does tsrunc.
// Only reads, each bounded by the depth of the cgroup path and the size of its subtree.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';
import type { Logger } from '../logger';
import { CGROUPS_PATH_POINTER, procsOf, readOptional } from './cgroupfs';
import type { CgroupSetup } from './v2/manager';
import type { V1Location } from './v1/paths';

/** What setUpCgroup will be given: the v1 driver's locations, or a cgroup2 directory. */
type Setup = { driver: 'v1'; locations: V1Location[] } | (Pick<CgroupSetup, 'dir' | 'unifiedRoot'> & { driver?: string });

/** The directories from `dir` up to (not including) the hierarchy's mount point, deepest first. */
function levels(dir: string, mountPoint: string): string[] {
  const root = path.resolve(mountPoint);
  const out: string[] = [];
  for (let d = path.resolve(dir); d !== root && d.startsWith(root + '/'); d = path.dirname(d)) out.push(d);
  return out;
}

/**
 * Why the cgroup at `dir` is frozen, or undefined. cgroup v1's freezer.state tells the state in force,
 * an ancestor's freeze included; on cgroup2, cgroup.freeze tells a cgroup's own, so every ancestor is
 * read.
 */
function frozenBecause(dir: string, mountPoint: string, v1: boolean): string | undefined {
  for (const level of levels(dir, mountPoint)) {
    if (!fs.existsSync(level)) continue;
    if (v1) {
      const state = readOptional(path.join(level, 'freezer.state'))?.trim();
      // The deepest existing one says what a new child of it would be.
      return state === undefined || state === 'THAWED' ? undefined : `${level} is ${state}`;
    }
    if (readOptional(path.join(level, 'cgroup.freeze'))?.trim() === '1') return `${level}/cgroup.freeze is 1`;
  }
  return undefined;
}

/** Processes in `dir` and every cgroup under it (0 when it does not exist). */
function processCount(dir: string): number {
  let n = procsOf(dir).length;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return n;
  }
  for (const e of entries) if (e.isDirectory()) n += processCount(path.join(dir, e.name));
  return n;
}

/**
 * runc's checks of a cgroup that exists already: throws when it is frozen, warns when processes are
 * in it. Called before anything of the container exists.
 */
export function checkPreexistingCgroup(s: Setup, logger: Logger): void {
  const places = s.driver === 'v1'
    ? (s as { locations: V1Location[] }).locations.filter((l) => l.key === '' || l.key.split(',').includes('freezer'))
      .map((l) => ({ dir: l.dir, mountPoint: l.mountPoint, v1: l.key !== '' }))
    : [{ dir: (s as CgroupSetup).dir, mountPoint: (s as CgroupSetup).unifiedRoot, v1: false }];
  for (const p of places) {
    const why = frozenBecause(p.dir, p.mountPoint, p.v1);
    if (why) {
      throw new TsruncError('INVALID_STATE', `container's cgroup unexpectedly frozen: ${why} (config.json ${CGROUPS_PATH_POINTER}); thaw or remove it first`, { pointer: CGROUPS_PATH_POINTER });
    }
  }
  // Every process is in every hierarchy: one of them is enough to count.
  const counted = places[0]?.dir ?? (s.driver === 'v1' ? (s as { locations: V1Location[] }).locations[0]?.dir : undefined);
  const n = counted !== undefined && fs.existsSync(counted) ? processCount(counted) : 0;
  if (n > 0) logger.warn(`container's cgroup is not empty: ${n} process(es) found`);
}
