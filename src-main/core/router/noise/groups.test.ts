import { describe, expect, it } from 'vitest';
import { join, openGroup, refire, remove, resolve, takeDue } from './groups';
import type { Member } from './members';
import { at } from '../stages/group';

const W = 30_000;
const m = (host: string, since = 0): Member => ({
  fp: host,
  host,
  eventId: `e-${host}`,
  severity: 'warning',
  summary: `X on ${host}`,
  firing: true,
  since,
});

describe('group aggregator (pure)', () => {
  it('R-NOISE-1: joins within the window are one update; a join after a quiet window goes out at once', () => {
    const g = openGroup('k', { alertname: 'X' }, ['desk'], m('a'), 0);
    expect(join(g, m('b', 1_000), 1_000, W)).toEqual({ type: 'batched', at: 30_000 });
    expect(join(g, m('c', 9_000), 9_000, W)).toEqual({ type: 'batched', at: 30_000 });
    expect(join(g, m('b', 10_000), 10_000, W)).toEqual({ type: 'known' });
    expect(takeDue(g, 29_999)).toBeNull();
    expect(takeDue(g, 30_000)).toMatchObject({ type: 'update', joined: [{ host: 'b' }, { host: 'c' }] });
    expect(takeDue(g, 31_000)).toBeNull();
    expect(join(g, m('d', 45_000), 45_000, W)).toEqual({ type: 'batched', at: 60_000 }); // the last message was at 30 s
    expect(takeDue(g, 60_000)).toMatchObject({ type: 'update', joined: [{ host: 'd' }] });
    expect(join(g, m('e', 200_000), 200_000, W)).toEqual({ type: 'now' });
  });

  it('R-NOISE-1: the resolution waits one window and is withdrawn when a member fires again; a pending update folds into it', () => {
    const g = openGroup('k', { alertname: 'X' }, ['desk'], m('a'), 0);
    join(g, m('b', 1_000), 1_000, W);
    expect(resolve(g, 'a', 2_000, W)).toBe('some');
    expect(resolve(g, 'b', 3_000, W)).toBe('all');
    expect(takeDue(g, 30_000)).toBeNull(); // no update naming b: the resolution will
    expect(refire(g, 'b', 20_000, W)).toBe(true);
    expect(g.resolveAt).toBeNull();
    expect(resolve(g, 'b', 40_000, W)).toBe('all');
    expect(takeDue(g, 70_000)).toEqual({ type: 'resolved' });
    expect(g.firing).toBe(0);
    expect(g.size).toBe(2);
  });

  it('R-NOISE-3: removing members (a burst took them) empties the group without a message', () => {
    const g = openGroup('k', { alertname: 'X' }, ['desk'], m('a'), 0);
    join(g, m('b', 1_000), 1_000, W);
    expect(remove(g, 'b', 2_000, W)).toBe(false);
    expect(g.pending).toEqual([]);
    expect(g.flushAt).toBeNull();
    expect(remove(g, 'a', 2_000, W)).toBe(true);
  });
});

describe('the group stage in a trace', () => {
  it("R-SCALE-33: a group update's time of day reads as the ISO time, with the last second's text kept", () => {
    const iso = (t: number) => new Date(t).toISOString().slice(11, 19) + 'Z';
    const t0 = Date.UTC(2026, 11, 3, 13, 59, 58, 990);
    // Across second, minute and day boundaries, back in time, fractions of a millisecond, before 1970.
    const times = [t0, t0 + 9, t0 + 10, t0 + 1_009.5, t0 + 1_010, t0 + 5, t0 + 86_400_000, t0 + 86_400_999, -1, -1_000, -1_001, 0, 999];
    for (const t of times) expect(at(t), String(t)).toBe(iso(t));
    expect(at(null)).toBe('?');
  });
});
