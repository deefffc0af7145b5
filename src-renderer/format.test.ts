import { describe, expect, it } from 'vitest';
import { dateTime, time, took } from './format';

describe('one date format (R-ALERT-8)', () => {
  const at = Date.UTC(2026, 11, 2, 3, 4, 5);
  it('R-ALERT-8: dates are ISO-ordered, 24-hour, and always name their time zone', () => {
    expect(dateTime(at, 'UTC')).toBe('2026-12-02 03:04:05 UTC');
    expect(time(at, 'UTC')).toBe('03:04:05 UTC');
    // Another zone: the local wall time and that zone's name, not UTC's.
    expect(dateTime(at, 'America/New_York')).toBe('2026-12-01 22:04:05 EST');
    expect(dateTime(null)).toBe('—');
  });
});

describe('durations people read (R-UI)', () => {
  it('R-UI: the heal log says a 5-minute verify took "5 m 01 s", not "300702 ms"; a quick command keeps its milliseconds', () => {
    expect(took(300_702)).toBe('5 m 01 s');
    expect(took(234)).toBe('234 ms');
    expect(took(null)).toBe('—');
  });
});
