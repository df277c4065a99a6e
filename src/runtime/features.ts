// features: what this tsrunc on this host supports, in runc's `features` JSON shape, plus
// tsrunc's own annotations (the cgroup mode it detected and the driver it chose, and why).
import { detectHost } from '../cgroups/host';
import { chooseDriver } from '../cgroups/plan';
import { CAPABILITIES } from '../plan/capabilities';
import { CLONE_NEW } from '../plan/linux';
import { detectLsm } from '../plan/lsm';
import { FLAG_WORDS, PROPAGATION_WORDS, RECURSIVE_WORDS } from '../plan/mount-options';
import { SECCOMP_ARCHES } from '../plan/seccomp';
import { OCI_VERSION } from '../version';

/** runc's `features` document (opencontainers/runtime-spec features.md), as tsrunc fills it. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean };
    seccomp: { enabled: boolean; archs: string[] };
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
  };
  annotations: Record<string, string>;
}

export function features(): Features {
  const host = detectHost();
  const lsm = detectLsm();
  const { driver, why } = chooseDriver(host);
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...Object.keys(FLAG_WORDS), ...Object.keys(PROPAGATION_WORDS), ...Object.keys(RECURSIVE_WORDS)].sort(),
    linux: {
      // The user and time namespaces are not supported yet.
      namespaces: Object.keys(CLONE_NEW).filter((n) => n !== 'user' && n !== 'time').sort(),
      capabilities: [...CAPABILITIES],
      // runc's meaning: which cgroup drivers this build has (both), not which one this host uses.
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false },
      seccomp: { enabled: true, archs: Object.keys(SECCOMP_ARCHES).sort() },
      apparmor: { enabled: lsm.apparmor },
      selinux: { enabled: lsm.selinux },
    },
    annotations: {
      'org.tsrunc.cgroup.mode': host.mode,
      'org.tsrunc.cgroup.driver': driver,
      'org.tsrunc.cgroup.driver.reason': why,
      'org.tsrunc.cgroup.v2.controllers': host.controllers.join(' '),
      ...(host.v1Controllers.length > 0 ? { 'org.tsrunc.cgroup.v1.controllers': host.v1Controllers.join(' ') } : {}),
    },
  };
}
