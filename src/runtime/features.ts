// features: what this tsrunc on this host supports, in the runtime-spec 1.3 `features` document
// (features.md, features-linux.md; the shape runc 1.5 prints), plus tsrunc's own annotations (the
// cgroup mode it detected and the driver it chose, and why).
//
// Every list is read from the table that implements it (mount option words, seccomp names,
// namespace flags...), so `features` cannot claim what a config would be refused for.
import { IDMAP_WORDS } from '../plan/idmap-mount';
import * as os from 'node:os';

import { detectHost } from '../cgroups/host';
import { chooseDriver } from '../cgroups/plan';
import type { Features as SpecFeatures, LinuxFeatures } from '../generated/features';
import { CAPABILITIES } from '../plan/capabilities';
import { CLONE_NEW } from '../plan/linux';
import { detectLsm } from '../plan/lsm';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../plan/memory-policy';
import { FLAG_WORDS, PROPAGATION_WORDS, RECURSIVE_WORDS } from '../plan/mount-options';
import { ACTIONS, FLAGS, OPERATORS, SECCOMP_ARCHES } from '../plan/seccomp';
import { OCI_VERSION } from '../version';

/**
 * The features document. features-linux.md (1.3) has fields its JSON schema does not list yet
 * (memoryPolicy, intelRdt.schemata/monitoring); the schema allows them (no additionalProperties).
 */
export interface Features extends SpecFeatures {
  hooks: string[];
  mountOptions: string[];
  potentiallyUnsafeConfigAnnotations: string[];
  linux: LinuxFeatures & {
    intelRdt: { enabled: boolean; schemata: boolean; monitoring: boolean };
    memoryPolicy: { modes: string[]; flags: string[] };
  };
  annotations: Record<string, string>;
}

/**
 * Config annotations that change what tsrunc does (features.md: keys, or prefixes ending in "."),
 * which a client that lets untrusted users set annotations must filter. tsrunc reads none: every
 * behaviour comes from a config field.
 */
export const POTENTIALLY_UNSAFE_CONFIG_ANNOTATIONS: readonly string[] = [];

/** The kernel that first has each seccomp flag (seccomp(2)); libseccomp 2.5 knows all four. */
const SECCOMP_FLAG_KERNEL: Record<string, [number, number]> = {
  SECCOMP_FILTER_FLAG_TSYNC: [3, 17],
  SECCOMP_FILTER_FLAG_LOG: [4, 14],
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: [4, 17],
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: [5, 19],
};

function kernelAtLeast([major, minor]: [number, number]): boolean {
  const m = /^(\d+)\.(\d+)/.exec(os.release());
  if (!m) return false;
  const [kMajor, kMinor] = [Number(m[1]), Number(m[2])];
  return kMajor > major || (kMajor === major && kMinor >= minor);
}

export function features(): Features {
  const host = detectHost();
  const lsm = detectLsm();
  const { driver, why } = chooseDriver(host);
  const knownFlags = [...FLAGS];
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    // The kernel's words, and runc's extensions idmap/ridmap and tmpcopyup (plan/mounts.ts).
    mountOptions: [...Object.keys(FLAG_WORDS), ...Object.keys(PROPAGATION_WORDS), ...Object.keys(RECURSIVE_WORDS), ...IDMAP_WORDS, 'tmpcopyup'].sort(),
    potentiallyUnsafeConfigAnnotations: [...POTENTIALLY_UNSAFE_CONFIG_ANNOTATIONS],
    linux: {
      namespaces: (Object.keys(CLONE_NEW) as (keyof typeof CLONE_NEW)[]).sort(),
      capabilities: [...CAPABILITIES],
      // runc's meaning: which cgroup drivers this build has (both), not which one this host uses.
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: true, rdma: true },
      seccomp: {
        enabled: true,
        actions: [...ACTIONS].sort(),
        operators: [...OPERATORS].sort(),
        archs: Object.keys(SECCOMP_ARCHES).sort(),
        knownFlags,
        supportedFlags: knownFlags.filter((f) => kernelAtLeast(SECCOMP_FLAG_KERNEL[f] ?? [99, 0])),
      } as LinuxFeatures['seccomp'],
      apparmor: { enabled: lsm.apparmor },
      selinux: { enabled: lsm.selinux },
      // Refused at create (no resctrl support in tsrunc).
      intelRdt: { enabled: false, schemata: false, monitoring: false },
      memoryPolicy: { modes: Object.keys(MEMORY_POLICY_MODES), flags: Object.keys(MEMORY_POLICY_FLAGS) },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
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
