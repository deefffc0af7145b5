import { afterEach, describe, expect, it } from 'vitest';
import type { Silence } from '../../../src-shared/api/events';
import { eventHandlers } from './api';
import { createRouter } from './router';
import { compileMatchers } from './silence-matcher';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

const MIN = 60_000;
let h: TestContext;
afterEach(() => h?.close());

function setup(yaml = '') {
  h = testContext({ yaml });
  const outbox = recordingOutbox(h.db);
  const router = createRouter(h.ctx, { outbox });
  const api = eventHandlers(h.ctx, router);
  return { router, outbox, api };
}

describe('silences (R-ROUTE-4)', () => {
  it('R-ROUTE-4: matchers =, !=, =~ and !~ with regexes anchored at both ends', () => {
    const l = { alertname: 'DiskFull', instance: 'web1', env: 'prod' };
    expect(compileMatchers([{ name: 'alertname', op: '=', value: 'DiskFull' }])(l)).toBe(true);
    expect(compileMatchers([{ name: 'env', op: '!=', value: 'prod' }])(l)).toBe(false);
    expect(compileMatchers([{ name: 'instance', op: '=~', value: 'web\\d' }])(l)).toBe(true);
    expect(compileMatchers([{ name: 'instance', op: '=~', value: 'web' }])(l)).toBe(false); // anchored: "web" ≠ "web1"
    expect(compileMatchers([{ name: 'instance', op: '!~', value: 'db.*' }])(l)).toBe(true);
    expect(compileMatchers([{ name: 'team', op: '=', value: '' }])(l)).toBe(true); // absent label = empty string
    expect(
      compileMatchers([
        { name: 'alertname', op: '=', value: 'DiskFull' },
        { name: 'env', op: '=', value: 'dev' },
      ])(l),
    ).toBe(false);
  });

  it('R-ROUTE-4: a silenced event is stored and visible with the silence in its trace, not notified', async () => {
    const { router, outbox, api } = setup();
    const sil = api['silences.create']({
      matchers: [{ name: 'instance', op: '=~', value: 'web.*' }],
      endsAt: h.clock.now() + 60 * MIN,
      createdBy: 'alice',
      comment: 'disk swap tonight',
    }) as Silence;
    expect(sil).toMatchObject({ state: 'active', createdBy: 'alice' });
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    const ev = router.events.get(id!)!;
    expect(ev.outcome).toBe('silenced');
    expect(ev.trace.find((t) => t.stage === 'silence')!.detail).toMatch(
      new RegExp(`silenced by ${sil.id} \\(alice: "disk swap tonight"\\)`),
    );
    expect(outbox.sent()).toHaveLength(0);
    const listed = api['events.list']({ limit: 10 }) as { items: Array<{ id: string; outcome: string }> };
    expect(listed.items.map((i) => [i.id, i.outcome])).toEqual([[id, 'silenced']]);
  });

  it('R-ROUTE-4: a silence applies only between startsAt and endsAt, and expiring it ends it at once', async () => {
    const { router, outbox, api } = setup();
    const t0 = h.clock.now();
    const sil = api['silences.create']({
      matchers: [{ name: 'alertname', op: '=', value: 'DiskFull' }],
      startsAt: t0 + 10 * MIN,
      endsAt: t0 + 30 * MIN,
      createdBy: 'bob',
      comment: 'maintenance',
    }) as { id: string; state: string };
    expect(sil.state).toBe('pending');
    const send = async (fp: string) => {
      const [id] = router.ingest([alertEvent({ fingerprint: fp })], 'test');
      await router.drain();
      return router.events.get(id!)!.outcome;
    };
    expect(await send('a')).toBe('notified'); // before startsAt
    h.clock.advance(15 * MIN);
    expect(await send('b')).toBe('silenced');
    api['silences.expire']({ id: sil.id });
    expect(await send('c')).toBe('notified');
    expect((api['silences.list']({ includeExpired: true }) as Array<{ state: string }>)[0]!.state).toBe('expired');
    expect(api['silences.list']({ includeExpired: false })).toEqual([]);
    expect(outbox.sent()).toHaveLength(2);
  });

  it('R-ROUTE-4: after a silence ends, a still-firing alert notifies', async () => {
    const { router, outbox, api } = setup();
    api['silences.create']({
      matchers: [{ name: 'alertname', op: '=', value: 'DiskFull' }],
      endsAt: h.clock.now() + 10 * MIN,
      createdBy: 'bob',
      comment: 'x',
    });
    router.ingest([alertEvent()], 'test');
    await router.drain();
    h.clock.advance(11 * MIN);
    router.ingest([alertEvent()], 'test');
    await router.drain();
    expect(outbox.sent()).toHaveLength(1);
  });

  it('R-SEC-2: a silence with a bad regex is refused naming the field, and nothing is stored', () => {
    const { api } = setup();
    expect(() =>
      api['silences.create']({
        matchers: [
          { name: 'a', op: '=', value: 'x' },
          { name: 'b', op: '=~', value: '(' },
        ],
        endsAt: h.clock.now() + MIN,
        createdBy: 'x',
        comment: 'y',
      }),
    ).toThrow(/matchers\.1\.value/);
    expect(api['silences.list']({ includeExpired: true })).toEqual([]);
  });

  it('R-ROUTE-4: preview shows which stored events a matcher set would match', async () => {
    const { router, api } = setup();
    router.ingest(
      [
        alertEvent(),
        alertEvent({ fingerprint: 'db', labels: { alertname: 'DiskFull', instance: 'db1' } }),
        alertEvent({ fingerprint: 'm', labels: { alertname: 'MemHigh', instance: 'web2' } }),
      ],
      'test',
    );
    await router.drain();
    const p = api['silences.preview']({
      matchers: [
        { name: 'alertname', op: '=', value: 'DiskFull' },
        { name: 'instance', op: '!~', value: 'db.*' },
      ],
      limit: 50,
    }) as { matched: number; items: Array<{ labels: Record<string, string> }> };
    expect(p.matched).toBe(1);
    expect(p.items[0]!.labels.instance).toBe('web1');
  });
});

describe('mute windows (R-ROUTE-4)', () => {
  // Monday 2026-01-05 12:00 UTC is 21:00 in Tokyo and 07:00 in New York.
  const MUTES = `
mutes:
  - { name: tokyo-nights, weekdays: [mon, tue], start: "20:00", end: "06:00", timeZone: Asia/Tokyo, match: { team: batch } }
  - { name: ny-mornings, weekdays: [mon], start: "06:30", end: "07:30", timeZone: America/New_York }
`;
  it('R-ROUTE-4: an event inside a recurring mute window (weekday + time + zone) is muted, stored and visible', async () => {
    const { router, outbox, api } = setup(MUTES);
    const [batch] = router.ingest([alertEvent({ fingerprint: 'b', labels: { alertname: 'JobLate', team: 'batch' } })], 'test');
    await router.drain();
    const ev = router.events.get(batch!)!;
    expect(ev.outcome).toBe('muted');
    // The New York window holds everything at 07:00 local; the Tokyo one matched first for team=batch.
    expect(ev.trace.find((t) => t.stage === 'mute')!.detail).toMatch(/tokyo-nights/);
    expect((api['mutes.list']({}) as Array<{ name: string; activeNow: boolean }>).map((m) => [m.name, m.activeNow])).toEqual([
      ['tokyo-nights', true],
      ['ny-mornings', true],
    ]);
    h.clock.advance(40 * MIN); // 07:40 in New York: outside; 21:40 in Tokyo: team=batch still muted
    const [other, batch2] = router.ingest(
      [alertEvent({ fingerprint: 'o' }), alertEvent({ fingerprint: 'b2', labels: { team: 'batch' } })],
      'test',
    );
    await router.drain();
    expect(router.events.get(other!)!.outcome).toBe('notified');
    expect(router.events.get(batch2!)!.outcome).toBe('muted');
    expect(outbox.sent()).toHaveLength(1);
  });

  it('R-ROUTE-4: an overnight window belongs to the weekday it starts on', async () => {
    const { muteActive } = await import('./mute-window');
    const w = { name: 'w', weekdays: ['mon' as const], start: '22:00', end: '06:00', timeZone: 'Europe/Berlin', match: {} };
    expect(muteActive(w, Date.UTC(2026, 0, 5, 21, 30))).toBe(true); // Mon 22:30 Berlin
    expect(muteActive(w, Date.UTC(2026, 0, 6, 4, 0))).toBe(true); // Tue 05:00 Berlin, window started Monday
    expect(muteActive(w, Date.UTC(2026, 0, 6, 21, 30))).toBe(false); // Tue 22:30: Tuesday is not listed
    expect(muteActive(w, Date.UTC(2026, 0, 5, 20, 0))).toBe(false); // Mon 21:00 Berlin
    // Summer time: 2026-07-06 is a Monday; 22:30 CEST = 20:30 UTC.
    expect(muteActive(w, Date.UTC(2026, 6, 6, 20, 30))).toBe(true);
  });
});
