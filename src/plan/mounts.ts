// config.json `mounts` -> ordered mount operations.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { pointer, statFailureReason, type ConfigProblem } from '../errors';
import { isBindMount } from '../spec/semantics';
import { MS } from './linux';
import { parseMountOptions } from './mount-options';
import type { MountOp } from './types';
import { IDMAP_WORDS, compileIdmap, type IdMappingSpec } from './idmap-mount';

export interface MountSpec {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IdMappingSpec[];
  gidMappings?: IdMappingSpec[];
}

// runc option words that need kernel features tsrunc does not drive yet. Passing them to the
// kernel as data would fail the mount with an obscure EINVAL, so they are named up front.
const UNSUPPORTED_WORDS = new Set(['recursiveReadOnly']);

/**
 * Container paths are absolute and clean ("." and ".." applied, a relative one taken relative to
 * "/"): cleaned here, once. The init still resolves every path with openat2(RESOLVE_IN_ROOT), which
 * is what keeps a symlink in the rootfs from pointing it outside.
 */
export function containerPath(p: string): string {
  return path.posix.normalize('/' + p);
}

// The files under /proc that lxcfs emulates: the only mounts runc allows inside /proc.
const LXCFS_PROC_FILES = new Set(['/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps',
  '/proc/uptime', '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid']);
const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * runc's rule for mounts at or under /proc (its checkProcMount): only a proc filesystem on /proc
 * itself (a fresh one, or a bind of one), and under it no bind mount but of lxcfs's files. Anything
 * else there could stand where the init reaches its own /proc files, or put host files where
 * the container expects the kernel's. (runc 1.1 lets other filesystem types under /proc: so does
 * tsrunc.) `source`: a bind mount's resolved source (null for other mounts). A message, or null.
 */
function procMountProblem(destination: string, fstype: string, source: string | null): string | null {
  if (destination !== '/proc' && !destination.startsWith('/proc/')) return null;
  if (destination === '/proc') {
    if (source === null ? fstype === 'proc' : isOnProcfs(source)) return null;
    return 'only a proc filesystem may be mounted on /proc';
  }
  if (source === null || LXCFS_PROC_FILES.has(destination)) return null;
  return `${destination} is inside /proc: only ${[...LXCFS_PROC_FILES].join(', ')} (lxcfs) may be bind-mounted there`;
}

function isOnProcfs(p: string): boolean {
  try {
    return fs.statfsSync(p).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Flags of the mount(2) call that applies a bind mount's own flags (ro, nosuid, noatime...): the
 * kernel ignores them on the bind itself and only takes them through a MS_REMOUNT | MS_BIND call.
 * 0 = no such call needed. Decided here, for config binds and the sysfs fallback alike.
 */
function bindRemountFlags(flags: number): number {
  const own = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
  return own === 0 ? 0 : MS.REMOUNT | MS.BIND | own;
}

/**
 * runc mounts a read-only tmpfs, and a read-only /dev, writable: what goes in and under it (the
 * /dev/pts and /dev/shm mounts, device nodes, symlinks, mount points, /dev/console) must be made
 * first. It is made read-only last, once the rootfs is complete (runc's finalizeRootfs): the flags
 * of that remount, or 0 when the mount is not one of those.
 */
function lateReadonlyFlags(fstype: string, destination: string, flags: number): number {
  if (!(flags & MS.RDONLY) || (fstype !== 'tmpfs' && destination !== '/dev')) return 0;
  return MS.REMOUNT | MS.BIND | (flags & ~(MS.BIND | MS.REC | MS.REMOUNT));
}

export function compileMounts(
  mounts: readonly MountSpec[] = [],
  bundle: string,
  freshNetNs: boolean,
  problems: ConfigProblem[],
  containerMaps: { uid?: IdMappingSpec[]; gid?: IdMappingSpec[] } = {},
): MountOp[] {
  const ops: MountOp[] = [];
  mounts.forEach((m, i) => {
    const ptr = pointer('mounts', i);
    const opts = parseMountOptions(m.options);
    const unsupported = opts.data.filter((w) => UNSUPPORTED_WORDS.has(w));
    if (unsupported.length > 0) {
      problems.push({ pointer: ptr + '/options', message: `mount option(s) not supported yet: ${unsupported.join(', ')}` });
      return;
    }
    const destination = containerPath(m.destination);
    const idmap = compileIdmap(m, isBindMount(m), (opts.flags & MS.REC) !== 0, containerMaps, ptr, problems);
    if (isBindMount(m)) {
      const source = path.resolve(bundle, m.source ?? '');
      // The one check that a bind source exists (spec/semantics only checks that one is given):
      // its kind is needed here anyway, to create a file or a directory as the mount point.
      let isDir: boolean;
      try {
        isDir = fs.statSync(source).isDirectory();
      } catch (e) {
        problems.push({ pointer: ptr + '/source', message: `bind mount source ${source} ${statFailureReason(e)}` });
        return;
      }
      const procProblem = procMountProblem(destination, '', source);
      if (procProblem) {
        problems.push({ pointer: ptr + '/destination', message: procProblem });
        return;
      }
      const bind = MS.BIND | (opts.flags & MS.REC);
      ops.push({
        destination,
        source,
        fstype: '',
        flags: bind,
        data: '',
        remountFlags: bindRemountFlags(opts.flags),
        lateRemountFlags: 0,
        propagation: opts.propagation,
        attrSet: opts.attrSet,
        attrClear: opts.attrClear,
        createAs: isDir ? 'dir' : 'file',
        fallback: null,
        links: [],
        idmap,
        copyUp: false,
        pointer: ptr,
      });
      return;
    }
    if (!m.type) {
      problems.push({ pointer: ptr + '/type', message: 'mount type is required for a mount that is not a bind mount' });
      return;
    }
    // "cgroup" and "cgroup2" stay as they are here: what they become depends on the host's layout
    // and the container's cgroups, known once its cgroups are planned (cgroup-mount.ts).
    const fstype = m.type;
    const procProblem = procMountProblem(destination, fstype, null);
    if (procProblem) {
      problems.push({ pointer: ptr + '/destination', message: procProblem });
      return;
    }
    // runc's tmpcopyup: the new tmpfs starts with what the image has there (a word of runc's, not
    // the kernel's: it is not passed on as data).
    const copyUp = opts.data.includes('tmpcopyup');
    if (copyUp && fstype !== 'tmpfs') {
      problems.push({ pointer: ptr + '/options', message: `tmpcopyup is for tmpfs mounts (this one is ${fstype})` });
      return;
    }
    const late = lateReadonlyFlags(fstype, destination, opts.flags);
    ops.push({
      destination,
      source: m.source ?? m.type,
      fstype,
      flags: late ? opts.flags & ~MS.RDONLY : opts.flags,
      data: opts.data.filter((w) => !IDMAP_WORDS.has(w) && w !== 'tmpcopyup').join(','),
      remountFlags: 0,
      lateRemountFlags: late,
      propagation: opts.propagation,
      attrSet: opts.attrSet,
      attrClear: opts.attrClear,
      createAs: 'dir',
      // Without its own network namespace a container may not mount a fresh sysfs (EPERM, or
      // EBUSY): it gets the host's /sys instead, with the flags it asked for, as runc does.
      fallback: fstype === 'sysfs' && !freshNetNs
        ? { source: '/sys', flags: MS.BIND | MS.REC, remountFlags: bindRemountFlags(opts.flags) }
        : null,
      links: [],
      idmap: null,
      copyUp,
      pointer: ptr,
    });
  });
  return ops;
}

/** runc skips its default /dev setup when the config bind-mounts a /dev from elsewhere. */
export function bindsDev(mounts: readonly MountSpec[] = []): boolean {
  return mounts.some((m) => containerPath(m.destination) === '/dev' && isBindMount(m));
}
