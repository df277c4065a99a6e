// linux.timeOffsets (runtime-spec 1.1) -> the clock offsets of the container's new time namespace.
import { pointer, type ConfigProblem } from '../errors';
import type { TimeOffset } from './types';

import type { LinuxTimeOffsets } from '../generated/config';

/** The schema allows only monotonic and boottime, but not that other keys are absent: any key may come. */
export type TimeOffsetsSpec = LinuxTimeOffsets & Record<string, { secs?: number | bigint; nanosecs?: number } | undefined>;

/** The clocks a time namespace offsets (time_namespaces(7)). */
const CLOCKS = ['monotonic', 'boottime'] as const;
/** The kernel refuses offsets beyond about ±292 years (KTIME_SEC_MAX / 2); keep to safe integers. */
const SECS_MAX = 2 ** 53 - 1;

export function compileTimeOffsets(spec: TimeOffsetsSpec | undefined, newTimeNs: boolean, problems: ConfigProblem[]): TimeOffset[] {
  if (spec === undefined) return [];
  const out: TimeOffset[] = [];
  if (!newTimeNs) {
    // Offsets are fixed once a process is in the namespace: only a new one can take them.
    problems.push({ pointer: '/linux/timeOffsets', message: 'needs a new time namespace (add {"type":"time"} to linux.namespaces)' });
    return out;
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push({ pointer: '/linux/timeOffsets', message: 'must be an object' });
    return out;
  }
  for (const [clock, value] of Object.entries(spec)) {
    const at = pointer('linux', 'timeOffsets', clock);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ pointer: at, message: 'must be an object with secs and nanosecs' });
      continue;
    }
    if (!(CLOCKS as readonly string[]).includes(clock)) {
      problems.push({ pointer: at, message: `unknown clock "${clock}" (a time namespace offsets ${CLOCKS.join(' and ')})` });
      continue;
    }
    const secs = Number(value?.secs ?? 0);
    const nanosecs = value?.nanosecs ?? 0;
    if (!Number.isSafeInteger(secs) || Math.abs(secs) > SECS_MAX) problems.push({ pointer: at + '/secs', message: 'must be an integer' });
    else if (!Number.isInteger(nanosecs) || nanosecs < 0 || nanosecs > 999_999_999) problems.push({ pointer: at + '/nanosecs', message: 'must be between 0 and 999999999' });
    else out.push({ clock: clock as TimeOffset['clock'], secs, nanosecs });
  }
  return out;
}
