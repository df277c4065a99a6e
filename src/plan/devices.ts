// Device nodes and /dev links: runc's defaults plus linux.devices.
import { pointer } from '../errors';
import { S_IF } from './linux';
import { containerPath } from './mounts';
import type { DeviceNode, Symlink } from './types';

export interface DeviceSpec {
  type: string;
  path: string;
  major?: number | bigint;
  minor?: number | bigint;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

// The devices every container gets (runtime-spec "Default Devices").
const DEFAULT_DEVICES: DeviceSpec[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0 },
];

export const DEFAULT_SYMLINKS: Symlink[] = [
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
  { path: '/dev/core', target: '/proc/kcore' },
  // devpts mounted with newinstance has its own ptmx; /dev/ptmx must point at it.
  { path: '/dev/ptmx', target: 'pts/ptmx' },
];

const TYPE_BITS: Record<string, number> = { c: S_IF.CHR, u: S_IF.CHR, b: S_IF.BLK, p: S_IF.FIFO };

function toNode(d: DeviceSpec, ptr: string, bind: boolean): DeviceNode {
  return {
    path: containerPath(d.path),
    mode: TYPE_BITS[d.type] | ((d.fileMode ?? 0o666) & 0o7777),
    major: d.type === 'p' ? 0 : Number(d.major ?? 0),
    minor: d.type === 'p' ? 0 : Number(d.minor ?? 0),
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
    bind,
    pointer: ptr,
  };
}

/**
 * Default devices first; a linux.devices entry with the same path replaces the default. `bind`: in a
 * user namespace mknod is refused, so each node is the host's, bind-mounted (as runc does).
 */
export function compileDevices(devices: readonly DeviceSpec[] = [], bind = false): DeviceNode[] {
  const byPath = new Map<string, DeviceNode>();
  // The default devices are the spec's part of linux.devices: a failure with one names that field.
  for (const node of DEFAULT_DEVICES.map((d) => toNode(d, pointer('linux', 'devices'), bind))) byPath.set(node.path, node);
  devices.forEach((d, i) => {
    const node = toNode(d, pointer('linux', 'devices', i), bind);
    byPath.set(node.path, node);
  });
  return [...byPath.values()];
}
