/** Formatting shared by pages: one date format with the time zone (R-ALERT-8), relative durations, counts. */

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, timeZone?: string): Record<string, string> {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      timeZone,
    });
    formatters.set(key, f);
  }
  return Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** "03:14:05 UTC": the time of day in the viewer's zone, the zone always named. */
export const time = (ms: number | null | undefined, timeZone?: string): string => {
  if (!ms) return '—';
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
};

/** "03:14 UTC": hour and minute in the viewer's zone, the zone named (spans such as "asleep from 02:10 to 06:45 UTC"). */
export const hourMinute = (ms: number, timeZone?: string): string => {
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute} ${p.timeZoneName}`;
};

/** "2026-12-02 03:14:05 UTC": the one date format everywhere (ISO order, 24 h, zone named). */
export const dateTime = (ms: number | null | undefined, timeZone?: string): string => {
  if (!ms) return '—';
  const p = parts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
};

/** "3 m 05 s", "2 h 10 m", "4 d 2 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} m`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** How long a command took: milliseconds below a second, then as `duration` ("5 m 00 s", not "300702 ms"). */
export const took = (ms: number | null): string => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : duration(ms));

/** "5 m ago" / "in 5 m". */
export function relative(ms: number | null | undefined, now: number): string {
  if (!ms) return '—';
  const d = ms - now;
  if (Math.abs(d) < 3000) return 'just now';
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

export const count = (n: number): string => n.toLocaleString();

/** Axis tick for a numeric epoch-ms axis: time of day for short spans, date for long ones. */
export const tick =
  (spanMs: number) =>
  (ms: number): string =>
    spanMs > 2 * 86_400_000
      ? new Date(ms).toLocaleDateString([], { month: 'short', day: '2-digit' })
      : new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
