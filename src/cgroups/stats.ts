// Container statistics from cgroup v2 files, in the shape runc's `events` prints
// ({"cpu":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...}}), so clients that
// parse runc's events read these. A controller the cgroup lacks is simply absent.
import * as fs from 'node:fs';
import * as path from 'node:path';

type Flat = Record<string, number>;

export function readText(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The file names of a cgroup directory; none when it is gone (the container went away meanwhile). */
export function filesOf(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** "key value" lines -> {key: value}. */
export function keyed(text: string | undefined): Flat | undefined {
  if (text === undefined) return undefined;
  const out: Flat = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

/** A single number; "max" (no limit) reads as the largest exact integer. */
export function single(dir: string, file: string): number | undefined {
  const t = readText(dir, file)?.trim();
  if (t === undefined) return undefined;
  return t === 'max' ? Number.MAX_SAFE_INTEGER : Number(t);
}

function cpu(dir: string) {
  const s = keyed(readText(dir, 'cpu.stat'));
  if (!s) return undefined;
  return {
    usage: { total: (s.usage_usec ?? 0) * 1000, kernel: (s.system_usec ?? 0) * 1000, user: (s.user_usec ?? 0) * 1000 },
    throttling: { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: (s.throttled_usec ?? 0) * 1000 },
  };
}

function memory(dir: string) {
  const usage = single(dir, 'memory.current');
  if (usage === undefined) return undefined;
  const events = keyed(readText(dir, 'memory.events')) ?? {};
  return {
    usage: { usage, limit: single(dir, 'memory.max') ?? 0, max: single(dir, 'memory.peak') ?? 0, failcnt: events.max ?? 0 },
    swap: { usage: single(dir, 'memory.swap.current') ?? 0, limit: single(dir, 'memory.swap.max') ?? 0 },
    raw: keyed(readText(dir, 'memory.stat')) ?? {},
  };
}

function pids(dir: string) {
  const current = single(dir, 'pids.current');
  return current === undefined ? undefined : { current, limit: single(dir, 'pids.max') ?? 0 };
}

function blkio(dir: string) {
  const text = readText(dir, 'io.stat');
  if (text === undefined) return undefined;
  const bytes: { major: number; minor: number; op: string; value: number }[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const [dev, ...pairs] = line.split(' ');
    const [major, minor] = dev.split(':').map(Number);
    const kv = keyed(pairs.map((p) => p.replace('=', ' ')).join('\n')) ?? {};
    bytes.push({ major, minor, op: 'Read', value: kv.rbytes ?? 0 }, { major, minor, op: 'Write', value: kv.wbytes ?? 0 });
  }
  return { ioServiceBytesRecursive: bytes };
}

export function hugetlb(dir: string) {
  const out: Record<string, { usage: number; max: number; failcnt: number }> = {};
  for (const file of filesOf(dir)) {
    const m = /^hugetlb\.(\w+)\.current$/.exec(file);
    if (!m) continue;
    const events = keyed(readText(dir, `hugetlb.${m[1]}.events`)) ?? {};
    out[m[1]] = { usage: single(dir, file) ?? 0, max: single(dir, `hugetlb.${m[1]}.max`) ?? 0, failcnt: events.max ?? 0 };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function cgroupStats(dir: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ cpu: cpu(dir), memory: memory(dir), pids: pids(dir), blkio: blkio(dir), hugetlb: hugetlb(dir) })) {
    if (value !== undefined) data[key] = value;
  }
  return data;
}

/** How many times the kernel OOM-killed in this cgroup (memory.events oom_kill). */
export function oomKills(dir: string): number {
  return keyed(readText(dir, 'memory.events'))?.oom_kill ?? 0;
}
