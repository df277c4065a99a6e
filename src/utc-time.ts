// Times as Date.prototype.toISOString writes them ("2026-12-06T03:58:25.123Z"), without calling it:
// in Node 20's V8, toISOString initialises ICU's time-zone support (reads /etc/localtime and ICU's
// zone data) although an ISO time is UTC and needs no zone: ~0.9 MiB of peak memory, and time, at
// every create (state.json's `created`) and every log line.
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `ms` (default: now) in UTC, "YYYY-MM-DDTHH:MM:SS.mmmZ", or without the milliseconds. */
export function utcTimestamp(ms: number = Date.now(), { millis = true } = {}): string {
  const d = new Date(ms);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${date}T${time}${millis ? `.${pad(d.getUTCMilliseconds(), 3)}` : ''}Z`;
}
