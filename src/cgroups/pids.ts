// linux.resources.pids.limit -> pids.max (runc's fs2/pids.go): -1 is "max", any other value is the
// limit, 0 included (runtime-spec 1.3: "0 is a valid limit value ... and SHOULD be treated as such";
// runc 1.4+ writes it).
//
// Configs older than 1.3 keep the old reading of 0 as "not set": podman 4.x writes
// `--pids-limit=-1` (and `=0`) as `"limit": 0` meaning "unlimited", in a config it labels
// ociVersion 1.0.2-dev, and before 1.3 both runc and the spec read it so. A config written for 1.3
// says what it means. A new cgroup's pids.max is "max", so leaving it alone is "no limit".

import type { LinuxResources } from '../generated/config';
import type { CgroupHost } from './host';
import { limitText, readInteger } from './numbers';
import { ResultBuilder, resourcePointer, type ControllerResult } from './types';

export function compilePids(resources: LinuxResources, _host: CgroupHost): ControllerResult {
  const out = new ResultBuilder();
  if (!resources.pids) return out.result();
  const ptr = resourcePointer('pids', 'limit');
  const limit = readInteger(resources.pids.limit, 'int64', ptr, out);
  if (limit === undefined) return out.result();
  if (limit < -1n) out.problem(ptr, `${limit} is not a limit: use 0 or more, or -1 for no limit`);
  else out.write('pids.max', limitText(limit), ptr);
  return out.result();
}

/** Whether a config of runtime-spec `ociVersion` means a real limit by `pids.limit: 0` (1.3 and later). */
export function zeroPidsIsALimit(ociVersion: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(ociVersion ?? '');
  if (!m) return true;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 1 || (major === 1 && minor >= 3);
}

/**
 * `resources` as the config's spec version means them: before 1.3, `pids.limit: 0` is "not set"
 * (dropped here, so every driver reads one meaning). Returns the same object when nothing changes.
 */
export function resourcesOfVersion(resources: LinuxResources | undefined, ociVersion: string | undefined): LinuxResources | undefined {
  const limit = resources?.pids?.limit as number | bigint | undefined;
  if (!resources || (limit !== 0 && limit !== 0n) || zeroPidsIsALimit(ociVersion)) return resources;
  const { pids: _unset, ...rest } = resources;
  return rest;
}
