// Task.Stats: the container's cgroup statistics (Runtime.stats(), runc's `events --stats` shape)
// in the messages containerd decodes, io.containerd.cgroups.v1.Metrics on a v1 or hybrid host
// and io.containerd.cgroups.v2.Metrics on a unified one - the choice containerd's own cgroups
// library makes (cgroups.Mode()), so `ctr task metrics` and the CRI's stats read them.
import * as fs from 'node:fs';

import { create, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';

import * as v1 from '../generated/shim/cgroups/v1/metrics_pb';
import * as v2 from '../generated/shim/cgroups/v2/metrics_pb';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const big = (n: unknown): bigint => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? BigInt(Math.floor(n)) : 0n);

/** Fills the uint64 fields of `schema` named like the keys of `raw` (memory.stat's names). */
function byName<D extends DescMessage>(schema: D, raw: Record<string, number> | undefined, rename: Record<string, string> = {}): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  if (!raw) return out;
  for (const [key, value] of Object.entries(raw)) {
    const field = schema.fields.find((f) => f.name === (rename[key] ?? key));
    if (field && field.fieldKind === 'scalar') out[field.localName] = big(value);
  }
  return out;
}

const V1_RENAMES: Record<string, string> = {
  pgpgin: 'pg_pg_in', pgpgout: 'pg_pg_out', pgfault: 'pg_fault', pgmajfault: 'pg_maj_fault',
  total_pgpgin: 'total_pg_pg_in', total_pgpgout: 'total_pg_pg_out', total_pgfault: 'total_pg_fault', total_pgmajfault: 'total_pg_maj_fault',
  hierarchical_memsw_limit: 'hierarchical_swap_limit',
};

const entry = (e: Data | undefined) => create(v1.MemoryEntrySchema, { limit: big(e?.limit), usage: big(e?.usage), max: big(e?.max), failcnt: big(e?.failcnt) });

function metricsV1(d: Data): MessageShape<typeof v1.MetricsSchema> {
  const m = create(v1.MetricsSchema);
  if (d.pids) m.pids = create(v1.PidsStatSchema, { current: big(d.pids.current), limit: big(d.pids.limit) });
  if (d.cpu) {
    m.cpu = create(v1.CPUStatSchema, {
      usage: { total: big(d.cpu.usage?.total), kernel: big(d.cpu.usage?.kernel), user: big(d.cpu.usage?.user), perCpu: (d.cpu.usage?.percpu ?? []).map(big) },
      throttling: { periods: big(d.cpu.throttling?.periods), throttledPeriods: big(d.cpu.throttling?.throttled_periods), throttledTime: big(d.cpu.throttling?.throttled_time) },
    });
  }
  if (d.memory) {
    m.memory = create(v1.MemoryStatSchema, {
      ...byName(v1.MemoryStatSchema, d.memory.raw, V1_RENAMES),
      usage: entry(d.memory.usage), swap: entry(d.memory.swap), kernel: entry(d.memory.kernel), kernelTcp: entry(d.memory.kernelTCP),
    });
  }
  if (d.blkio) {
    const entries = (list: Data[] | undefined) => (list ?? []).map((e) => create(v1.BlkIOEntrySchema, { op: e.op, major: big(e.major), minor: big(e.minor), value: big(e.value) }));
    m.blkio = create(v1.BlkIOStatSchema, { ioServiceBytesRecursive: entries(d.blkio.ioServiceBytesRecursive), ioServicedRecursive: entries(d.blkio.ioServicedRecursive) });
  }
  for (const [pagesize, h] of Object.entries((d.hugetlb ?? {}) as Record<string, Data>)) {
    m.hugetlb.push(create(v1.HugetlbStatSchema, { pagesize, usage: big(h.usage), max: big(h.max), failcnt: big(h.failcnt) }));
  }
  return m;
}

function metricsV2(d: Data): MessageShape<typeof v2.MetricsSchema> {
  const m = create(v2.MetricsSchema);
  if (d.pids) m.pids = create(v2.PidsStatSchema, { current: big(d.pids.current), limit: big(d.pids.limit) });
  if (d.cpu) {
    const us = (ns: unknown) => big(typeof ns === 'number' ? ns / 1000 : 0);
    m.cpu = create(v2.CPUStatSchema, {
      usageUsec: us(d.cpu.usage?.total), userUsec: us(d.cpu.usage?.user), systemUsec: us(d.cpu.usage?.kernel),
      nrPeriods: big(d.cpu.throttling?.periods), nrThrottled: big(d.cpu.throttling?.throttled_periods), throttledUsec: us(d.cpu.throttling?.throttled_time),
    });
  }
  if (d.memory) {
    m.memory = create(v2.MemoryStatSchema, {
      ...byName(v2.MemoryStatSchema, d.memory.raw),
      usage: big(d.memory.usage?.usage), usageLimit: big(d.memory.usage?.limit), maxUsage: big(d.memory.usage?.max),
      swapUsage: big(d.memory.swap?.usage), swapLimit: big(d.memory.swap?.limit),
    });
  }
  if (d.blkio) {
    const byDevice = new Map<string, MessageShape<typeof v2.IOEntrySchema>>();
    for (const e of (d.blkio.ioServiceBytesRecursive ?? []) as Data[]) {
      const key = `${e.major}:${e.minor}`;
      const io = byDevice.get(key) ?? create(v2.IOEntrySchema, { major: big(e.major), minor: big(e.minor) });
      if (e.op === 'Read') io.rbytes = big(e.value);
      if (e.op === 'Write') io.wbytes = big(e.value);
      byDevice.set(key, io);
    }
    m.io = create(v2.IOStatSchema, { usage: [...byDevice.values()] });
  }
  for (const [pagesize, h] of Object.entries((d.hugetlb ?? {}) as Record<string, Data>)) {
    m.hugetlb.push(create(v2.HugeTlbStatSchema, { pagesize, current: big(h.usage), max: big(h.max) }));
  }
  return m;
}

let unified: boolean | undefined;

/** cgroup2 mounted at /sys/fs/cgroup (a unified host), as containerd's cgroups.Mode() decides. */
function isUnified(): boolean {
  unified ??= fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  return unified;
}

/** The stats of `Runtime.stats()` as the Any that StatsResponse carries. */
export function metricsAny(data: Data): Any {
  const pack = <D extends DescMessage>(schema: D, m: MessageShape<D>) => ({ $typeName: 'google.protobuf.Any', typeUrl: schema.typeName, value: toBinary(schema, m) }) as Any;
  return isUnified() ? pack(v2.MetricsSchema, metricsV2(data)) : pack(v1.MetricsSchema, metricsV1(data));
}
