import * as fs from 'node:fs';
import type { Argv } from 'yargs';

import { TsruncError } from '../../errors';
import type { LinuxResources } from '../../generated/config';
import { parseJson64 } from '../../spec/json64';
import { runtimeFrom, type GlobalArgs } from '../context';

export const command = 'update <container-id>';
export const describe = "change a running container's resource limits";
export const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('resources', { alias: 'r', type: 'string', describe: 'linux.resources JSON from a file, or - for stdin' })
    .option('memory', { type: 'string', describe: 'memory limit (bytes, or with k/m/g/t suffix)' })
    .option('memory-reservation', { type: 'string' })
    .option('memory-swap', { type: 'string', describe: 'memory + swap limit, -1 for unlimited' })
    .option('cpu-share', { alias: 'cpu-shares', type: 'string', describe: 'cpu shares (runc spells it --cpu-share)' })
    .option('cpu-quota', { type: 'string' })
    .option('cpu-period', { type: 'string' })
    .option('cpu-rt-period', { type: 'string', describe: 'real-time period (µs, cgroup v1)' })
    .option('cpu-rt-runtime', { type: 'string', describe: 'real-time runtime per period (µs, cgroup v1)' })
    .option('kernel-memory', { type: 'string', describe: 'accepted and ignored, as by runc' })
    .option('kernel-memory-tcp', { type: 'string', describe: 'accepted and ignored, as by runc' })
    .option('cpuset-cpus', { type: 'string' })
    .option('cpuset-mems', { type: 'string' })
    .option('pids-limit', { type: 'string' })
    .option('blkio-weight', { type: 'string' });

type Args = GlobalArgs & Record<string, string | undefined> & { 'container-id': string };

const UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };

/** "512m", "1G", "1024", "-1": bytes, as runc's (docker's) RAMInBytes reads them. */
export function parseBytes(flag: string, text: string): bigint {
  if (text.trim() === '-1') return -1n;
  const m = /^(\d+)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (!m) throw new TsruncError('INVALID_ARGUMENT', `--${flag}: "${text}" is not a size (e.g. 512m, 1g, 1048576)`);
  return BigInt(m[1]) * UNITS[m[2].toLowerCase()];
}

function integer(flag: string, text: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw new TsruncError('INVALID_ARGUMENT', `--${flag}: "${text}" is not an integer`);
  return BigInt(text.trim());
}

function readResources(source: string): LinuxResources {
  const text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  try {
    return parseJson64(text) as LinuxResources;
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--resources: invalid JSON: ${(e as Error).message}`);
  }
}

/** --resources first, then each flag over it, as runc does. Values stay exact (bigint). */
export function resourcesFromArgs(argv: Args): LinuxResources {
  const r: Record<string, Record<string, unknown>> = argv.resources ? (readResources(argv.resources) as never) : {};
  const set = (group: string, key: string, value: unknown) => ((r[group] ??= {})[key] = value);
  const flags: [string, string, string, (f: string, v: string) => unknown][] = [
    ['memory', 'memory', 'limit', parseBytes],
    ['memory-reservation', 'memory', 'reservation', parseBytes],
    ['memory-swap', 'memory', 'swap', parseBytes],
    ['cpu-share', 'cpu', 'shares', integer],
    ['cpu-quota', 'cpu', 'quota', integer],
    ['cpu-period', 'cpu', 'period', integer],
    ['cpu-rt-period', 'cpu', 'realtimePeriod', integer],
    ['cpu-rt-runtime', 'cpu', 'realtimeRuntime', integer],
    ['kernel-memory', 'memory', 'kernel', parseBytes],
    ['kernel-memory-tcp', 'memory', 'kernelTCP', parseBytes],
    ['cpuset-cpus', 'cpu', 'cpus', (_f, v) => v],
    ['cpuset-mems', 'cpu', 'mems', (_f, v) => v],
    ['pids-limit', 'pids', 'limit', integer],
    ['blkio-weight', 'blockIO', 'weight', (f, v) => Number(integer(f, v))],
  ];
  for (const [flag, group, key, parse] of flags) {
    const value = argv[flag];
    if (value !== undefined) set(group, key, parse(flag, value));
  }
  return r as LinuxResources;
}

export function handler(argv: Args): number {
  runtimeFrom(argv).update(argv['container-id'], resourcesFromArgs(argv));
  return 0;
}
