// runc's `update` flags as a resources patch: `--resources` (linux.resources JSON) first, then
// each flag over it, as runc does. Values stay exact (bigint) all the way to the cgroup files.

import { TsruncError } from '../errors';
import type { LinuxResources } from '../generated/config';
import { parseJson64 } from '../spec/json64';
import { InputError, readInput } from '../spec/read-input';
import { parseBytes, parseInteger } from './units';

/** The flag names of `runc update`, each taking its value as the command line gives it. */
export type UpdateFlag =
  | 'memory' | 'memory-reservation' | 'memory-swap'
  | 'cpu-share' | 'cpu-shares' | 'cpu-quota' | 'cpu-period' | 'cpuset-cpus' | 'cpuset-mems'
  | 'cpu-rt-period' | 'cpu-rt-runtime' | 'kernel-memory' | 'kernel-memory-tcp'
  | 'pids-limit' | 'blkio-weight' | 'cpu-burst' | 'cpu-idle' | 'l3-cache-schema' | 'mem-bw-schema';

export type UpdateFlags = Partial<Record<UpdateFlag, string>>;

const asIs = (text: string) => text;

// flag -> where it goes in linux.resources, and how its text is read.
const FLAGS: [UpdateFlag, string, string, (text: string, name: string) => unknown][] = [
  ['memory', 'memory', 'limit', parseBytes],
  ['memory-reservation', 'memory', 'reservation', parseBytes],
  ['memory-swap', 'memory', 'swap', parseBytes],
  ['cpu-share', 'cpu', 'shares', parseInteger], // runc's spelling; --cpu-shares is accepted too
  ['cpu-shares', 'cpu', 'shares', parseInteger],
  ['cpu-quota', 'cpu', 'quota', parseInteger],
  ['cpu-period', 'cpu', 'period', parseInteger],
  ['cpu-rt-period', 'cpu', 'realtimePeriod', parseInteger],
  ['cpu-rt-runtime', 'cpu', 'realtimeRuntime', parseInteger],
  ['kernel-memory', 'memory', 'kernel', parseBytes],
  ['kernel-memory-tcp', 'memory', 'kernelTCP', parseBytes],
  ['cpuset-cpus', 'cpu', 'cpus', asIs],
  ['cpuset-mems', 'cpu', 'mems', asIs],
  ['pids-limit', 'pids', 'limit', parseInteger],
  ['blkio-weight', 'blockIO', 'weight', (text, name) => Number(parseInteger(text, name))],
  ['cpu-burst', 'cpu', 'burst', parseInteger], // runc 1.2
  ['cpu-idle', 'cpu', 'idle', parseInteger], // runc 1.2
  ['l3-cache-schema', 'intelRdt', 'l3CacheSchema', noIntelRdt],
  ['mem-bw-schema', 'intelRdt', 'memBwSchema', noIntelRdt],
];

/** runc's Intel RDT flags: tsrunc has no RDT support (a container cannot have any to update). */
function noIntelRdt(_text: string, name: string): never {
  throw new TsruncError('NOT_SUPPORTED', `${name}: Intel RDT is not supported by tsrunc (linux.intelRdt is refused at create)`);
}

/** linux.resources JSON (what `--resources FILE` holds), 64-bit integers kept exact. */
export function parseResourcesJson(text: string): LinuxResources {
  try {
    return parseJson64(text) as LinuxResources;
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--resources: invalid JSON: ${(e as Error).message}`);
  }
}

/** `--resources SOURCE`: linux.resources JSON from a file, or from stdin for "-" (Docker's way). */
export function readResources(source: string): LinuxResources {
  let text: string;
  try {
    text = readInput(source === '-' ? 0 : source);
  } catch (e) {
    const what = source === '-' ? 'stdin' : source;
    // An OS error reads as runc's "cannot read FILE: ENOENT: ..." (Node's text repeats the syscall
    // and path after a comma); a refusal (too big, not a regular file) as "FILE: why".
    const reason = e instanceof InputError && e.reason === 'os' ? `cannot read ${what}: ${e.message.replace(/^cannot read: /, '').replace(/, \w+ '.*'$/, '')}` : `${what}: ${(e as Error).message}`;
    throw new TsruncError('INVALID_ARGUMENT', `--resources: ${reason}`, { cause: e, pointer: '/linux/resources' });
  }
  return parseResourcesJson(text);
}

/** `flags` laid over `base` (a copy): the patch `Runtime.update()` takes. */
export function resourcesFromFlags(flags: UpdateFlags, base: LinuxResources = {}): LinuxResources {
  const r = structuredClone(base) as Record<string, Record<string, unknown>>;
  for (const [flag, group, key, parse] of FLAGS) {
    const value = flags[flag];
    if (value !== undefined) (r[group] ??= {})[key] = parse(value, `--${flag}`);
  }
  return r as LinuxResources;
}
