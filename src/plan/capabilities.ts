// process.capabilities -> five 64-bit capability masks for tsrunc-init (see CapabilityMasks).
import * as fs from 'node:fs';

import { pointer, type ConfigProblem } from '../errors';
import type { LinuxCapabilities } from '../generated/config';
import type { CapabilityMasks } from './types';

/** Every capability Linux defines, at the index of its number (<linux/capability.h>). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const NUMBER_OF = new Map(CAPABILITIES.map((name, bit) => [name, bit]));

/** The five sets, in the order of the plan (and of /proc/<pid>/status, apart from bounding). */
export const CAPABILITY_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;
export type CapabilitySet = (typeof CAPABILITY_SETS)[number];

/**
 * The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap). An older
 * kernel knows fewer than CAPABILITIES; without /proc, assume it knows them all.
 */
export function kernelCapLastCap(): number {
  // A constant of the running kernel: read once per process (an in-process caller creates many).
  return (capLastCap ??= readCapLastCap());
}

let capLastCap: number | undefined;

function readCapLastCap(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    if (Number.isInteger(n) && n >= 0) return n;
  } catch { /* no /proc: fall through */ }
  return CAPABILITIES.length - 1;
}

/**
 * Compiles process.capabilities. No capabilities object means no capabilities (every set empty),
 * as runc does: a config that says nothing must not get everything. Problems and warnings carry the pointer of the offending entry or set:
 *   - a name Linux does not define is an error (runc only warns; a typo would silently drop a cap);
 *   - a name newer than this kernel (number > capLastCap) is skipped with a warning, as runc does;
 *   - an effective capability that is not permitted is an error: capset(2) would refuse it at start;
 *   - an ambient capability that is not both permitted and inheritable is left out with a warning:
 *     the kernel refuses to raise it, and runc ignores that (its own default config asks for it).
 */
export function compileCapabilities(
  caps: LinuxCapabilities | undefined,
  capLastCap: number,
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
): CapabilityMasks {
  caps ??= {};
  const masks = {} as Record<CapabilitySet, bigint>;
  for (const set of CAPABILITY_SETS) masks[set] = setMask(caps[set] ?? [], set, capLastCap, problems, warnings);
  checkEffectiveIsPermitted(caps.effective ?? [], masks, problems);
  masks.ambient = raisableAmbient(masks, warnings);
  return {
    bounding: masks.bounding.toString(),
    effective: masks.effective.toString(),
    inheritable: masks.inheritable.toString(),
    permitted: masks.permitted.toString(),
    ambient: masks.ambient.toString(),
  };
}

const bitOf = (n: number): bigint => 1n << BigInt(n);

/** Names of the capabilities in `mask`, for messages. */
export function capabilityNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, n) => (mask & bitOf(n)) !== 0n);
}

function setMask(names: readonly string[], set: CapabilitySet, capLastCap: number, problems: ConfigProblem[], warnings: ConfigProblem[]): bigint {
  let mask = 0n;
  const tooNew: string[] = [];
  names.forEach((name, i) => {
    const n = NUMBER_OF.get(name);
    if (n === undefined) {
      problems.push({ pointer: pointer('process', 'capabilities', set, i), message: `unknown capability "${name}"` });
    } else if (n > capLastCap) {
      tooNew.push(name);
    } else {
      mask |= bitOf(n);
    }
  });
  if (tooNew.length > 0) {
    warnings.push({
      pointer: pointer('process', 'capabilities', set),
      message: `skipping ${tooNew.join(', ')}: this kernel knows capabilities up to number ${capLastCap} only`,
    });
  }
  return mask;
}

function checkEffectiveIsPermitted(effective: readonly string[], masks: Record<CapabilitySet, bigint>, problems: ConfigProblem[]): void {
  effective.forEach((name, i) => {
    const n = NUMBER_OF.get(name);
    if (n !== undefined && (masks.effective & bitOf(n)) !== 0n && (masks.permitted & bitOf(n)) === 0n) {
      problems.push({
        pointer: pointer('process', 'capabilities', 'effective', i),
        message: `"${name}" is effective but not permitted (add it to /process/capabilities/permitted)`,
      });
    }
  });
}

function raisableAmbient(masks: Record<CapabilitySet, bigint>, warnings: ConfigProblem[]): bigint {
  const raisable = masks.ambient & masks.permitted & masks.inheritable;
  const left = masks.ambient & ~raisable;
  if (left !== 0n) {
    warnings.push({
      pointer: '/process/capabilities/ambient',
      message: `not raising ${capabilityNames(left).join(', ')}: an ambient capability must also be permitted and inheritable`,
    });
  }
  return raisable;
}
