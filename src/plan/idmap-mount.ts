// ID-mapped bind mounts (runtime-spec 1.1 mounts[].uidMappings/gidMappings, 1.2 options `idmap`
// and `ridmap`): which mounts are idmapped and with which maps. tsrunc-init makes them before any
// namespace is joined, while it still has the host's privilege (open_tree + mount_setattr
// MOUNT_ATTR_IDMAP with a user namespace holding the maps), and the init moves each onto its
// destination inside the container's mount namespace.
import type { ConfigProblem } from '../errors';
import type { IdmapPlan } from './types';

export interface IdMappingSpec {
  containerID: number | bigint;
  hostID: number | bigint;
  size: number | bigint;
}

export interface IdmapMountSpec {
  type?: string;
  options?: string[];
  uidMappings?: IdMappingSpec[];
  gidMappings?: IdMappingSpec[];
}

/** The option words this module consumes (not filesystem data). */
export const IDMAP_WORDS = new Set(['idmap', 'ridmap']);

const plain = (maps: IdMappingSpec[]) => maps.map((m) => ({ containerID: Number(m.containerID), hostID: Number(m.hostID), size: Number(m.size) }));

/**
 * The mount's idmap plan, or null when it is not idmapped. A mount with maps of its own is idmapped
 * (runc 1.2); `idmap`/`ridmap` without them use the container's user namespace maps. Only bind
 * mounts: another filesystem would need its own idmapping support in the kernel.
 */
export function compileIdmap(m: IdmapMountSpec, isBind: boolean, recursiveBind: boolean, containerMaps: { uid?: IdMappingSpec[]; gid?: IdMappingSpec[] },
  ptr: string, problems: ConfigProblem[]): IdmapPlan | null {
  const words = (m.options ?? []).filter((w) => IDMAP_WORDS.has(w));
  const own = (m.uidMappings?.length ?? 0) > 0 || (m.gidMappings?.length ?? 0) > 0;
  if (words.length === 0 && !own) return null;
  if (!isBind) {
    problems.push({ pointer: ptr + (own && words.length === 0 ? '/uidMappings' : '/options'), message: 'id-mapped mounts are supported for bind mounts only' });
    return null;
  }
  const uid = own ? m.uidMappings ?? [] : containerMaps.uid ?? [];
  const gid = own ? m.gidMappings ?? [] : containerMaps.gid ?? [];
  if (uid.length === 0 || gid.length === 0) {
    problems.push({
      pointer: ptr + (own ? (uid.length === 0 ? '/uidMappings' : '/gidMappings') : '/options'),
      message: own ? 'an id-mapped mount needs both uidMappings and gidMappings'
        : 'idmap without mounts[].uidMappings/gidMappings needs a new user namespace with linux.uidMappings and linux.gidMappings',
    });
    return null;
  }
  // ridmap: every mount under a recursive bind too; idmap: the top one only (runtime-spec 1.2).
  return { uidMappings: plain(uid), gidMappings: plain(gid), recursive: words.includes('ridmap') && recursiveBind };
}
