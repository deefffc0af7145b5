import ical from 'ical-generator';
import { shiftsBetween, type Rotation } from './schedule';

/**
 * The schedule as iCalendar (RFC 5545), one VEVENT per shift, so people see
 * their shifts in their own calendars. UIDs are stable per team, person and
 * start, so a calendar that re-imports the file updates rather than duplicates.
 */
export function scheduleIcs(r: Rotation, opts: { from: number; until: number; person?: string; now: number }): string {
  const cal = ical({ name: `Vigil on call: ${r.team}`, prodId: { company: 'vigil', product: 'oncall', language: 'EN' } });
  for (const s of shiftsBetween(r, opts.from, opts.until)) {
    if (opts.person && s.person !== opts.person) continue;
    cal.createEvent({
      id: `vigil-oncall-${r.team}-${s.person}-${s.from}@vigil`,
      start: new Date(s.from),
      end: new Date(s.until),
      stamp: new Date(opts.now),
      summary: `On call (${r.team}): ${s.person}${s.override ? ' (override)' : ''}`,
      description: s.override ? `${s.person} covers this part of the ${r.team} rotation.` : `${s.person}'s turn in the ${r.team} rotation.`,
    });
  }
  return cal.toString();
}
