// Container statistics from cgroup v1 files, in the shape runc's `events` prints on v1 (its
// libcontainer Stats converted by types.go): cpu usage per CPU and throttling, memory with swap
// (memsw: memory + swap, as v1 counts it) and kernel memory, pids, blkio, hugetlb. A controller the
// container has no cgroup for is simply absent.

import { filesOf, hugetlb as hugetlbV2, keyed, readText, single } from '../stats';

/** cpuacct.stat counts USER_HZ ticks (100 per second on every Linux ABI); runc reports nanoseconds. */
const NS_PER_TICK = 1e9 / 100;

/** A v1 limit file as runc reports it: the number as read (unlimited memory is PAGE_COUNTER_MAX pages), "max" as 0. */
function limit(dir: string, file: string): number {
  const text = readText(dir, file)?.trim();
  return text === undefined || text === 'max' ? 0 : Number(text);
}

function cpu(cpuDir: string | undefined, cpuacctDir: string | undefined) {
  if (cpuDir === undefined && cpuacctDir === undefined) return undefined;
  const stat = cpuacctDir === undefined ? undefined : keyed(readText(cpuacctDir, 'cpuacct.stat'));
  const throttle = cpuDir === undefined ? undefined : keyed(readText(cpuDir, 'cpu.stat'));
  return {
    usage: {
      total: cpuacctDir === undefined ? 0 : single(cpuacctDir, 'cpuacct.usage') ?? 0,
      percpu: (cpuacctDir === undefined ? '' : readText(cpuacctDir, 'cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
      kernel: (stat?.system ?? 0) * NS_PER_TICK,
      user: (stat?.user ?? 0) * NS_PER_TICK,
    },
    throttling: { periods: throttle?.nr_periods ?? 0, throttled_periods: throttle?.nr_throttled ?? 0, throttled_time: throttle?.throttled_time ?? 0 },
  };
}

/** usage/max/failcnt/limit of one memory counter ("" memory, "memsw.", "kmem.", "kmem.tcp."). */
function counter(dir: string, prefix: string) {
  return {
    usage: single(dir, `memory.${prefix}usage_in_bytes`) ?? 0,
    max: single(dir, `memory.${prefix}max_usage_in_bytes`) ?? 0,
    failcnt: single(dir, `memory.${prefix}failcnt`) ?? 0,
    limit: limit(dir, `memory.${prefix}limit_in_bytes`),
  };
}

function memory(dir: string | undefined) {
  if (dir === undefined || readText(dir, 'memory.usage_in_bytes') === undefined) return undefined;
  return {
    usage: counter(dir, ''),
    swap: counter(dir, 'memsw.'),
    kernel: counter(dir, 'kmem.'),
    kernelTCP: counter(dir, 'kmem.tcp.'),
    raw: keyed(readText(dir, 'memory.stat')) ?? {},
  };
}

function pids(dir: string | undefined) {
  const current = dir === undefined ? undefined : single(dir, 'pids.current');
  return current === undefined ? undefined : { current, limit: limit(dir!, 'pids.max') };
}

/** "8:0 Read 4096" lines (and a "Total N" line, skipped) -> runc's blkio entries. */
function blkioEntries(text: string | undefined) {
  const entries: { major: number; minor: number; op: string; value: number }[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) entries.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return entries;
}

function blkio(dir: string | undefined) {
  if (dir === undefined) return undefined;
  // CFQ/BFQ's own counters when the scheduler keeps them, else the throttling layer's (runc's choice).
  const pick = (name: string) => {
    const own = blkioEntries(readText(dir, `blkio.${name}_recursive`) ?? readText(dir, `blkio.bfq.${name}_recursive`));
    return own.length > 0 ? own : blkioEntries(readText(dir, `blkio.throttle.${name}_recursive`));
  };
  return { ioServiceBytesRecursive: pick('io_service_bytes'), ioServicedRecursive: pick('io_serviced') };
}

function hugetlb(dir: string | undefined) {
  if (dir === undefined) return undefined;
  const out: Record<string, { usage: number; max: number; failcnt: number }> = {};
  for (const file of filesOf(dir)) {
    const m = /^hugetlb\.(\w+)\.usage_in_bytes$/.exec(file);
    if (m) out[m[1]!] = { usage: single(dir, file) ?? 0, max: single(dir, `hugetlb.${m[1]}.max_usage_in_bytes`) ?? 0, failcnt: single(dir, `hugetlb.${m[1]}.failcnt`) ?? 0 };
  }
  // On a hybrid host the controller may live in the cgroup2 tree instead.
  return Object.keys(out).length > 0 ? out : hugetlbV2(dir);
}

/** Statistics of a container placed by the v1 driver; dirFor finds each controller's cgroup. */
export function cgroupStatsV1(dirFor: (controller: string) => string | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const parts = {
    cpu: cpu(dirFor('cpu'), dirFor('cpuacct')),
    memory: memory(dirFor('memory')),
    pids: pids(dirFor('pids')),
    blkio: blkio(dirFor('blkio')),
    hugetlb: hugetlb(dirFor('hugetlb')),
  };
  for (const [key, value] of Object.entries(parts)) if (value !== undefined) data[key] = value;
  return data;
}
