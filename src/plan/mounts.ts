// config.json `mounts` -> ordered mount operations.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { pointer, type ConfigProblem } from '../errors';
import { isBindMount } from '../spec/semantics';
import { MS } from './linux';
import { parseMountOptions } from './mount-options';
import type { MountOp } from './types';

export interface MountSpec {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

// runc option words that need kernel features tsrunc does not drive yet. Passing them to the
// kernel as data would fail the mount with an obscure EINVAL, so they are named up front.
const UNSUPPORTED_WORDS = new Set(['tmpcopyup', 'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev',
  'rnoexec', 'rexec', 'idmap', 'ridmap', 'recursiveReadOnly']);

/** Container paths are absolute and clean; a relative one is taken relative to "/". */
export function containerPath(p: string): string {
  return path.posix.normalize('/' + p);
}

export function compileMounts(
  mounts: readonly MountSpec[] = [],
  bundle: string,
  freshNetNs: boolean,
  problems: ConfigProblem[],
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
    if (isBindMount(m)) {
      const source = path.resolve(bundle, m.source ?? '');
      let isDir: boolean;
      try {
        isDir = fs.statSync(source).isDirectory();
      } catch {
        problems.push({ pointer: ptr + '/source', message: `bind source ${source} does not exist` });
        return;
      }
      const bind = MS.BIND | (opts.flags & MS.REC);
      ops.push({
        destination,
        source,
        fstype: '',
        flags: bind,
        data: '',
        // Flags on a bind mount only take effect through a second, remounting call.
        remountFlags: opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT),
        propagation: opts.propagation,
        createAs: isDir ? 'dir' : 'file',
        sysfsFallback: false,
        pointer: ptr,
      });
      return;
    }
    if (!m.type) {
      problems.push({ pointer: ptr + '/type', message: 'mount type is required for a mount that is not a bind mount' });
      return;
    }
    // runc's "cgroup" type means "the host's cgroup filesystem"; tsrunc gives the container
    // the unified (v2) hierarchy, the only one it manages.
    const fstype = m.type === 'cgroup' ? 'cgroup2' : m.type;
    ops.push({
      destination,
      source: m.source ?? m.type,
      fstype,
      flags: opts.flags,
      data: opts.data.join(','),
      remountFlags: 0,
      propagation: opts.propagation,
      createAs: 'dir',
      sysfsFallback: fstype === 'sysfs' && !freshNetNs,
      pointer: ptr,
    });
  });
  return ops;
}

/** runc skips its default /dev setup when the config bind-mounts a /dev from elsewhere. */
export function bindsDev(mounts: readonly MountSpec[] = []): boolean {
  return mounts.some((m) => containerPath(m.destination) === '/dev' && isBindMount(m));
}
