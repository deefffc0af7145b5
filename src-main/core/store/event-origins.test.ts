import { describe, expect, it } from 'vitest';
import { alertEvent, testContext } from '../router/testing';
import type { NewEvent } from './events';

/** An events row's origin (event_origins, store/events.ts): what a reader gets back, whatever the batch around it held. */
describe('event origins', () => {
  it('R-SCALE-26: an origin added by a transaction that rolled back is not remembered: its id may name another origin', () => {
    const h = testContext();
    const { events, transaction } = h.ctx.stores;
    const ev = (id: string, groupKey: string): NewEvent => ({
      ...alertEvent({ origin: { externalURL: 'http://am.local', groupKey, receiver: 'vigil' } }),
      id,
      receivedAt: 1_790_000_000_000,
      trace: [],
    });
    const done = { outcome: 'stored', trace: [], triage: null, channels: [] };
    expect(() =>
      transaction(() => {
        events.insertDecided(ev('e1', 'X'), done);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    transaction(() => events.insertDecided(ev('e2', 'Y'), done)); // takes the id X had
    transaction(() => events.insertDecided(ev('e3', 'X'), done));
    expect(events.get('e1')).toBeNull();
    expect(events.get('e2')!.origin!.groupKey).toBe('Y');
    expect(events.get('e3')!.origin!.groupKey).toBe('X');
    h.close();
  });

  it('R-SCALE-33: each event reads back its own origin, whatever its neighbours in the batch held', () => {
    const h = testContext();
    const { events, transaction } = h.ctx.stores;
    const mutated = { externalURL: 'http://am.local', groupKey: 'A', receiver: 'vigil' };
    const origins: Array<Record<string, unknown> | null> = [
      { externalURL: 'http://am.local', groupKey: 'A', receiver: 'vigil' },
      { externalURL: 'http://am.local', groupKey: 'A', receiver: 'vigil' }, // equal, another object
      { groupKey: 'A', externalURL: 'http://am.local', receiver: 'vigil' }, // the same fields in another order
      { externalURL: 'http://am.local', groupKey: 'A' }, // one field fewer
      { externalURL: 'http://am.local', groupKey: 'A', receiver: 'vigil', extra: 'x' }, // one more
      { externalURL: 'http://am.local', groupKey: 'B', receiver: 'vigil' },
      mutated,
      mutated, // the same object again, changed in between
      null,
      { externalURL: 'http://am.local', groupKey: 'B', receiver: 'vigil' },
    ];
    const done = { outcome: 'stored', trace: [], triage: null, channels: [] };
    transaction(() =>
      origins.forEach((origin, i) => {
        if (i === 7) mutated.groupKey = 'C';
        events.insertDecided({ ...alertEvent({ origin }), id: `o${i}`, receivedAt: 1_790_000_000_000, trace: [] }, done);
      }),
    );
    const expected = origins.map((o, i) => (i === 6 ? { ...o, groupKey: 'A' } : o));
    // Field order too: the API and exports show the origin as it came.
    expect(origins.map((_, i) => JSON.stringify(events.get(`o${i}`)!.origin))).toEqual(expected.map((o) => JSON.stringify(o)));
    h.close();
  });
});
