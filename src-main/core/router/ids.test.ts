import { describe, expect, it } from 'vitest';
import { eventId } from './ids';

describe('event ids (router/ids.ts)', () => {
  it('R-SCALE-9: UUIDv7 text, the ms timestamp first (ordered by time), unique, each its own string', () => {
    const at = Date.UTC(2026, 11, 3, 10, 15);
    const ids = Array.from({ length: 2_000 }, (_, i) => eventId(at + Math.floor(i / 100))); // past one refill of the pool
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]!.replace('-', '').slice(0, 12)).toBe(at.toString(16).padStart(12, '0'));
    expect(ids[1_999]!.replace('-', '').slice(0, 12)).toBe((at + 19).toString(16).padStart(12, '0'));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map((id) => id.slice(0, 13))).toEqual(ids.map((id) => id.slice(0, 13)).sort());
    expect(eventId(-5).slice(0, 13)).toBe('00000000-0000'); // clamped, as before
  });
});
