import type { Config } from '../config';

export type MuteWindow = Config['mutes'][number];

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minute-of-day at `at` in an IANA time zone (via Intl, so DST is handled). */
export function localTime(at: number, timeZone: string): { day: (typeof DAYS)[number]; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).slice(0, 3).toLowerCase() as (typeof DAYS)[number];
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMinute = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const previous = (day: (typeof DAYS)[number]) => DAYS[(DAYS.indexOf(day) + 6) % 7]!;

/**
 * Is the recurring window open at `at`? start ≤ t < end on a listed weekday;
 * a window whose end is before its start runs over midnight and belongs to
 * the weekday it starts on.
 */
export function muteActive(w: MuteWindow, at: number): boolean {
  const { day, minute } = localTime(at, w.timeZone);
  const start = toMinute(w.start);
  const end = toMinute(w.end);
  const days = w.weekdays as string[];
  if (start <= end) return days.includes(day) && minute >= start && minute < end;
  return (days.includes(day) && minute >= start) || (days.includes(previous(day)) && minute < end);
}

/** Does an equality label map select this label set? (mute windows, config routes, Hermes rules) */
export const labelsMatch = (match: Record<string, string>, labels: Record<string, string>): boolean => {
  // A loop, not entries/every: each route and mute window asks for every event of a storm.
  for (const k in match) if (labels[k] !== match[k]) return false;
  return true;
};
