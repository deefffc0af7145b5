import { afterEach, describe, expect, it } from 'vitest';
import type { EventDetail, EventSummary } from '../../../src-shared/api/events';
import { eventHandlers } from './api';
import { intakeCommitter } from './group-commit';
import { createRouter } from './router';
import { routerTiles } from './status';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

let h: TestContext;
afterEach(() => h?.close());
type Page = { items: EventSummary[]; nextCursor: number | null };
const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setImmediate(r));
};

function setup() {
  h = testContext();
  const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
  return { router, api: eventHandlers(h.ctx, router) };
}

describe('events API (R-UI live events, R-ROUTE-7)', () => {
  it('R-ROUTE-7: events.list filters by severity, status, source, label and text, newest first, with cursor pages', async () => {
    const { router, api } = setup();
    router.ingest(
      [
        alertEvent({
          fingerprint: 'a',
          severity: 'critical',
          summary: 'Disk full on web1',
          labels: { alertname: 'DiskFull', instance: 'web1' },
        }),
        alertEvent({
          fingerprint: 'b',
          severity: 'warning',
          summary: 'Memory high on db1',
          labels: { alertname: 'MemHigh', instance: 'db1' },
        }),
        alertEvent({
          fingerprint: 'c',
          source: 'probe',
          severity: 'critical',
          summary: 'Probe api is down',
          labels: { alertname: 'ProbeFailed', probe: 'api' },
        }),
        alertEvent({
          fingerprint: 'a',
          status: 'resolved',
          summary: 'Disk full on web1',
          labels: { alertname: 'DiskFull', instance: 'web1' },
        }),
      ],
      'test',
    );
    const list = (i: object) =>
      (api['events.list']({ limit: 100, ...i }) as Page).items.map((e) => e.summary + (e.status === 'resolved' ? ' (resolved)' : ''));
    expect(list({})).toEqual(['Disk full on web1 (resolved)', 'Probe api is down', 'Memory high on db1', 'Disk full on web1']);
    expect(list({ severity: ['warning'] })).toEqual(['Memory high on db1']);
    expect(list({ status: 'resolved' })).toEqual(['Disk full on web1 (resolved)']);
    expect(list({ source: 'probe' })).toEqual(['Probe api is down']);
    expect(list({ label: 'instance=db1' })).toEqual(['Memory high on db1']);
    expect(list({ text: 'disk' })).toEqual(['Disk full on web1 (resolved)', 'Disk full on web1']);
    expect(list({ text: '100%_' })).toEqual([]); // LIKE wildcards are literal
    const p1 = api['events.list']({ limit: 3 }) as Page;
    const p2 = api['events.list']({ limit: 3, cursor: p1.nextCursor! }) as Page;
    expect(p1.items).toHaveLength(3);
    expect(p2).toMatchObject({ items: [{ summary: 'Disk full on web1', status: 'firing' }], nextCursor: null });
  });

  it('R-ROUTE-7: events.get returns the trace, triage and dedupe counters; unknown ids are not_found', async () => {
    const { router, api } = setup();
    router.ingest([alertEvent()], 'test');
    const [id] = router.ingest([alertEvent()], 'test');
    const e = api['events.get']({ id: id! }) as EventDetail;
    expect(e.outcome).toBe('deduped');
    expect(e.counters).toMatchObject({ count: 2, notifiedStatus: 'firing' });
    expect(e.trace.map((t) => t.stage)).toEqual(['normalise', 'persist', 'dedupe']);
    expect(() => api['events.get']({ id: 'nope' })).toThrow(/no event with id "nope"/);
  });

  it('R-UI: events.stats buckets counts per minute in SQL for the rate chart', async () => {
    const { router, api } = setup();
    const t0 = h.clock.now();
    router.ingest([alertEvent({ fingerprint: '1' }), alertEvent({ fingerprint: '2', severity: 'warning' })], 'test');
    h.clock.advance(90_000);
    router.ingest([alertEvent({ fingerprint: '3', severity: 'info' })], 'test');
    const s = (await api['events.stats']({ from: t0 - 60_000, to: t0 + 180_000 })) as {
      bucketMs: number;
      points: Array<{ t: number; info: number; warning: number; critical: number }>;
    };
    expect(s.bucketMs).toBe(60_000);
    expect(s.points).toEqual([
      { t: t0, info: 0, warning: 1, critical: 1 },
      { t: t0 + 60_000, info: 1, warning: 0, critical: 0 },
    ]);
  });

  it('R-UI: list and stats stay fast at 100k stored events', async () => {
    const { router, api } = setup();
    for (let b = 0; b < 100; b++)
      router.ingest(
        Array.from({ length: 1000 }, (_, k) =>
          alertEvent({
            fingerprint: `f${k % 500}`,
            severity: k % 100 === 0 ? 'critical' : 'warning',
            source: k === 7 && b === 3 ? 'vigil' : 'api',
            labels: { alertname: 'X', i: String(k) },
          }),
        ),
        'bulk',
      );
    const time = (fn: () => unknown) => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    };
    const timeAsync = async (fn: () => unknown) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const worst = Math.max(
      time(() => api['events.list']({ limit: 100 })),
      time(() => api['events.list']({ limit: 100, severity: ['critical'] })),
      time(() => api['events.list']({ limit: 100, source: 'vigil' })),
      time(() => api['events.list']({ limit: 100, cursor: 50_000 })),
      await timeAsync(() => api['events.stats']({})),
    );
    expect((api['events.list']({ limit: 100, source: 'vigil' }) as Page).items).toHaveLength(1);
    expect(worst).toBeLessThan(250); // indexed paths: a few ms; generous for a loaded CI box
  }, 60_000);

  it('R-UI: status tiles show alerts firing and the router inbox', async () => {
    const { router } = setup();
    router.ingest([alertEvent(), alertEvent({ fingerprint: 'w', severity: 'warning' })], 'test');
    const tiles = routerTiles(h.ctx, router)();
    expect(tiles.find((t) => t.id === 'alerts-firing')).toMatchObject({
      status: 'critical',
      value: '2',
      reason: '1 critical, 1 warning, 0 info',
    });
    expect(tiles.find((t) => t.id === 'router-inbox')).toMatchObject({ status: 'ok', value: '0' });
  });

  it('R-SCALE-8: inline, a deciding pass that fails is shown on the router inbox tile (since, error, what waits) and clears once it commits', async () => {
    const { router } = setup();
    h.db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const since = h.clock.now();
    router.ingest([alertEvent({ fingerprint: 'x' })], 'test'); // decided at once, and fails: it stays in the inbox
    router.ingest([alertEvent({ fingerprint: 'y' })], 'test');
    await until(() => router.failing() !== null);
    const tile = () => routerTiles(h.ctx, router)().find((t) => t.id === 'router-inbox')!;
    expect(tile()).toMatchObject({ status: 'critical', value: '2' });
    expect(tile().reason).toMatch(
      /^intake is not being decided on the main thread since 2026-01-05 12:00:00 UTC \(\d+ failed tr(y|ies)\): disk I\/O error; /,
    );
    expect(tile().reason).toContain('; 2 acknowledged events wait in the inbox, oldest 0 s');
    expect(router.failing()!.since).toBe(since);
    h.db.exec(`DROP TRIGGER test_fault`);
    h.clock.advance(5_000); // the retry
    await router.drain();
    expect(router.failing()).toBeNull();
    expect(tile()).toMatchObject({ status: 'ok', value: '0' });
  });

  it('R-ROUTE-2: concurrent intake requests share one commit; a failed commit rejects every one of them', async () => {
    const { router } = setup();
    const commit = intakeCommitter(
      router,
      async (at, via, n, json) => h.ctx.stores.inbox.appendText(at, via, n, json),
      () => Date.now(),
    );
    const [a, b] = await Promise.all([
      commit([alertEvent({ fingerprint: 'x' })], 'req 1'),
      commit([alertEvent({ fingerprint: 'y' }), alertEvent({ fingerprint: 'z' })], 'req 2'),
    ]);
    expect([a!.length, b!.length]).toEqual([1, 2]);
    await router.drain();
    expect(router.events.get(b![1]!)!.trace[0]!.detail).toBe('req 2');
    const failing = intakeCommitter(
      router,
      () => Promise.reject(new Error('disk I/O error')),
      () => Date.now(),
    );
    const results = await Promise.allSettled([failing([alertEvent()], '1'), failing([alertEvent()], '2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('R-ROUTE-2: requests arriving while a commit is on the disk share the next commit; none is answered before its own', async () => {
    const { router } = setup();
    const commits: Array<{ n: number; via: string; done: () => void }> = [];
    const commit = intakeCommitter(
      router,
      (at, via, n, json) =>
        new Promise<number>((resolve) => commits.push({ n, via, done: () => resolve(h.ctx.stores.inbox.appendText(at, via, n, json)) })),
      () => Date.now(),
    );
    const answered: string[] = [];
    const post = (via: string, k: number) =>
      commit(
        Array.from({ length: k }, (_, i) => alertEvent({ fingerprint: `${via}-${i}` })),
        via,
      ).then((ids) => (answered.push(via), ids));
    const first = post('r1', 1);
    await until(() => commits.length === 1);
    const later = [post('r2', 2), post('r3', 3)]; // arrive while r1's commit is in flight
    await new Promise((r) => setImmediate(r));
    expect(commits.length).toBe(1);
    commits[0]!.done();
    await first;
    expect(answered).toEqual(['r1']);
    await until(() => commits.length === 2);
    expect(commits[1]).toMatchObject({ n: 5, via: 'r2, r3' }); // one batch, one fsync
    expect(answered).toEqual(['r1']);
    commits[1]!.done();
    const [r2, r3] = await Promise.all(later);
    await router.drain();
    expect(router.events.get(r3![2]!)!.trace[0]!.detail).toBe('r3');
    expect([r2!.length, r3!.length]).toEqual([2, 3]);
  });
});
