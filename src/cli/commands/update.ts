import type { Argv } from 'yargs';

import { readResources, resourcesFromFlags, type UpdateFlags } from '../../index';
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
    .option('cpu-share', { type: 'string', describe: 'cpu shares (runc\'s spelling)' })
    .option('cpu-shares', { type: 'string' })
    .option('cpu-quota', { type: 'string' })
    .option('cpu-period', { type: 'string' })
    .option('cpu-rt-period', { type: 'string', describe: 'real-time period (µs, cgroup v1)' })
    .option('cpu-rt-runtime', { type: 'string', describe: 'real-time runtime per period (µs, cgroup v1)' })
    .option('kernel-memory', { type: 'string', describe: 'accepted and ignored, as by runc' })
    .option('kernel-memory-tcp', { type: 'string', describe: 'accepted and ignored, as by runc' })
    .option('cpuset-cpus', { type: 'string' })
    .option('cpuset-mems', { type: 'string' })
    .option('pids-limit', { type: 'string' })
    .option('blkio-weight', { type: 'string' })
    .option('cpu-burst', { type: 'string', describe: 'CFS burst (µs) over the quota' })
    .option('cpu-idle', { type: 'string', describe: '1: the cgroup gets SCHED_IDLE (cpu.idle)' })
    .option('l3-cache-schema', { type: 'string', describe: 'Intel RDT: refused (not supported)' })
    .option('mem-bw-schema', { type: 'string', describe: 'Intel RDT: refused (not supported)' });

type Args = GlobalArgs & UpdateFlags & { 'container-id': string; resources?: string };

export function handler(argv: Args): number {
  const base = argv.resources ? readResources(argv.resources) : {};
  runtimeFrom(argv).update(argv['container-id'], resourcesFromFlags(argv, base));
  return 0;
}
