// The kernel's "list format" for CPU and memory-node sets (cpuset.cpus, /sys/devices/system/cpu/online):
// comma-separated numbers and ranges, e.g. "0-3,8,10-11". The rarely used stride form
// "0-1023:2/256" (in every group of 256, the first 2) is accepted too, as bitmap_parselist() does.

/** The largest CPU or node number accepted; far above any real NR_CPUS, it only bounds the work. */
const MAX_ID = 1 << 16;

/** The members of a list, ascending, or an error message. An empty (or blank) list is empty. */
export function parseIdList(text: string): number[] | string {
  const ids = new Set<number>();
  const trimmed = text.trim();
  if (trimmed === '') return [];
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?\s*$/.exec(part);
    if (!m) return `"${part}" is not a number or a range like 0-3`;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const used = m[3] === undefined ? 1 : Number(m[3]);
    const group = m[4] === undefined ? 1 : Number(m[4]);
    if (last < first) return `range "${part.trim()}" runs backwards`;
    if (last > MAX_ID) return `${last} is too large`;
    if (group === 0 || used === 0 || used > group) return `"${part.trim()}": the stride must be used/group with 0 < used <= group`;
    for (let id = first; id <= last; id++) if ((id - first) % group < used) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Formats ids back into list format ("0-3,8"), for messages. */
export function formatIdList(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
