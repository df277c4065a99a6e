// process.apparmorProfile, process.selinuxLabel, linux.mountLabel: applied when the host runs that
// LSM, a config error otherwise. runc silently skips an AppArmor profile on a host without
// AppArmor; a sandbox that quietly is not one is worse than a refusal.
import * as fs from 'node:fs';

import type { ConfigProblem } from '../errors';
import type { LsmPlan } from './types';

export interface LsmHost {
  apparmor: boolean;
  selinux: boolean;
}

/** Which LSMs the host runs: decided at boot, so read once per process. */
export function detectLsm(): LsmHost {
  return (lsmHost ??= readLsm());
}

let lsmHost: LsmHost | undefined;

function readLsm(): LsmHost {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8').trim();
    } catch {
      return '';
    }
  };
  return {
    apparmor: read('/sys/module/apparmor/parameters/enabled') === 'Y',
    selinux: fs.existsSync('/sys/fs/selinux/enforce'),
  };
}

export function compileLsm(
  fields: { apparmorProfile?: string; selinuxLabel?: string; mountLabel?: string },
  host: LsmHost,
  problems: ConfigProblem[],
): LsmPlan {
  const need = (value: string | undefined, present: boolean, ptr: string, lsm: string) => {
    if (!value) return null;
    if (!present) problems.push({ pointer: ptr, message: `${lsm} is not enabled on this host, so this cannot be applied` });
    return value;
  };
  need(fields.mountLabel, host.selinux, '/linux/mountLabel', 'SELinux');
  // A mount label would have to become a context= option of every mount: not done yet.
  if (fields.mountLabel && host.selinux) problems.push({ pointer: '/linux/mountLabel', message: 'SELinux mount labels are not supported yet' });
  return {
    apparmorProfile: need(fields.apparmorProfile, host.apparmor, '/process/apparmorProfile', 'AppArmor'),
    selinuxLabel: need(fields.selinuxLabel, host.selinux, '/process/selinuxLabel', 'SELinux'),
  };
}
