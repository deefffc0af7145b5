import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { inboxText } from './group-commit';
import { incidentStage } from '../loop';
import { createNoise } from './noise';
import { createRouter } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

/**
 * What a storm of new alerts asks SQLite before deciding (router/decide.ts): each alert's dedupe state and its
 * acknowledgement, both nearly always missing, are read for the whole inbox batch in one statement each.
 */
let h: TestContext | null = null;
afterEach(() => {
  h?.close();
  h = null;
});

/** Count the statements run on this connection whose SQL starts with one of `prefixes`, while `fn` runs. */
async function counting(db: Database, prefixes: string[], fn: () => Promise<void>): Promise<Record<string, number>> {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  const counts: Record<string, number> = Object.fromEntries(prefixes.map((p) => [p, 0]));
  const saved = { get: proto.get!, all: proto.all!, run: proto.run! };
  for (const m of ['get', 'all', 'run'] as const)
    proto[m] = function (this: { source: string }, ...a: unknown[]) {
      const p = prefixes.find((x) => this.source.startsWith(x));
      if (p) counts[p]!++;
      return saved[m].apply(this, a);
    };
  try {
    await fn();
  } finally {
    Object.assign(proto, saved);
  }
  return counts;
}

/** One inbox batch of 200 new alerts, 10 per alertname (10 notified, 190 joining their groups), as bench router's. */
function newAlerts(router: ReturnType<typeof createRouter>, ctx: TestContext['ctx']): number {
  const recs = router.prepare(
    Array.from({ length: 200 }, (_, i) =>
      alertEvent({ fingerprint: `fp-${i}`, labels: { alertname: `A${Math.floor(i / 10)}`, instance: `h${i}` } }),
    ),
    'test',
  );
  return ctx.stores.inbox.appendText(ctx.clock.now(), 'test', recs.length, inboxText([recs]));
}

describe('first deliveries', () => {
  it('R-SCALE-25, R-SCALE-33: the dedupe states and acknowledgements of an inbox batch of new alerts are read in one statement each', async () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
    const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
    const ctx = h.ctx;
    const seq = newAlerts(router, ctx);
    const counts = await counting(
      h.db,
      ['SELECT * FROM alert_state', 'SELECT * FROM alert_acks', 'SELECT 1 AS one FROM alert_acks'],
      async () => {
        router.pull(seq);
        await router.drain();
      },
    );
    expect((h.db.prepare('SELECT count(*) AS n FROM events WHERE processed = 1').get() as { n: number }).n).toBe(200);
    expect((h.db.prepare('SELECT count(*) AS n FROM alert_state').get() as { n: number }).n).toBe(200);
    // One look-ahead of the states (a statement per alert before: 200); with no acknowledgement stored at all, one
    // statement says so and none is asked for (R-SCALE-33; a look-ahead of the 200 before).
    expect(counts).toEqual({ 'SELECT * FROM alert_state': 1, 'SELECT * FROM alert_acks': 0, 'SELECT 1 AS one FROM alert_acks': 1 });
  });

  it("R-SCALE-33, R-INBOX-4: the events of one request read from the compact inbox text each store only their own stages' entries", async () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
    const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
    const ctx = h.ctx;
    // Three events of one request, as HTTP intake stores them.
    const labels = (name: string, i: number) => ({ alertname: name, instance: `h${i}` });
    const recs = router.prepare(
      [
        alertEvent({ fingerprint: 'a1', labels: labels('A', 1) }),
        alertEvent({ fingerprint: 'a2', labels: labels('A', 2) }),
        alertEvent({ fingerprint: 'b1', labels: labels('B', 1) }),
      ],
      'POST /api/v1/events',
    );
    const seq = ctx.stores.inbox.appendText(ctx.clock.now(), 'POST /api/v1/events', recs.length, inboxText([recs]));
    router.pull(seq);
    await router.drain();
    const stages = (id: string) => router.events.get(id)!.trace.map((t) => `${t.stage}:${t.result}`);
    for (const id of recs.map((r) => r.id)) {
      const own = stages(id);
      expect(own.slice(0, 2)).toEqual(['normalise:pass', 'persist:pass']);
      expect(own).toContain('dedupe:pass');
      expect(new Set(own.map((s) => s.split(':')[0])).size, own.join(' ')).toBe(own.length); // nothing of the others' entries
    }
  });

  it('R-SCALE-31: a batch of new alerts writes one noise member row per group, one incident member row per alert, and reads no member back', async () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]' });
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    createNoise(h.ctx, outbox, router);
    router.fill(incidentStage(h.ctx.stores.loop));
    const ctx = h.ctx;
    const seq = newAlerts(router, ctx);
    const members = ['INSERT OR REPLACE INTO noise_member ', 'INSERT INTO noise_members', 'INSERT OR IGNORE INTO incident_members'];
    const reads = ['SELECT status FROM incident_members', 'UPDATE incident_members'];
    const counts = await counting(h.db, [...members, ...reads], async () => {
      router.pull(seq);
      await router.drain();
    });
    expect((h.db.prepare(`SELECT count(*) AS n FROM events WHERE outcome = 'grouped'`).get() as { n: number }).n).toBe(180);
    expect((h.db.prepare('SELECT count(*) AS n FROM incident_members').get() as { n: number }).n).toBe(200);
    // 200 noise member rows before, one per alert.
    expect(counts).toEqual({
      'INSERT OR REPLACE INTO noise_member ': 0,
      'INSERT INTO noise_members': 20,
      'INSERT OR IGNORE INTO incident_members': 200,
      'SELECT status FROM incident_members': 0,
      'UPDATE incident_members': 0,
    });
  });

  it('R-SCALE-25: an alert stored meanwhile is read again once the batch is done', async () => {
    h = testContext();
    const states = h.ctx.stores.alertStates;
    const state = (fp: string) => ({
      fingerprint: fp,
      source: 'api',
      severity: 'warning' as const,
      status: 'firing' as const,
      summary: fp,
      labels: {},
      firstSeen: 1,
      lastSeen: 1,
      lastEventId: `e-${fp}`,
      count: 1,
      notifiedStatus: null,
      notifiedAt: null,
    });
    states.put(state('a'));
    states.invalidate();
    states.lookAhead(['a', 'b']);
    expect(states.get('a')?.lastEventId).toBe('e-a');
    // 'b' was looked for and is not there: not asked again while the batch lasts, even if a row appears meanwhile.
    h.db
      .prepare(
        `INSERT INTO alert_state (fingerprint, source, severity, status, summary, first_seen, last_seen, last_event_id) VALUES ('b', 'api', 'warning', 'resolved', 'b', 1, 1, 'e-b')`,
      )
      .run();
    expect(states.get('b')).toBeNull();
    states.lookAhead(null);
    expect(states.get('b')?.lastEventId).toBe('e-b');
    // A state the router writes is its own answer at once.
    states.lookAhead(['c', 'd']);
    states.put(state('c'));
    expect(states.get('c')?.lastEventId).toBe('e-c');
  });
});
