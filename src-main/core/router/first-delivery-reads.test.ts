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

  it('R-SCALE-31, R-SCALE-37: a batch of new alerts writes one noise member row per group, one incident member row per alert, and reads no member back', async () => {
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
    // 200 noise member rows before, one per alert. The 200 incident member rows: in 6 runs of 32 rows and one of 8
    // (R-SCALE-37; a run each before).
    expect(counts).toEqual({
      'INSERT OR REPLACE INTO noise_member ': 0,
      'INSERT INTO noise_members': 20,
      'INSERT OR IGNORE INTO incident_members': 7,
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

describe("first deliveries' writes (R-SCALE-37)", () => {
  const until = async (ok: () => boolean) => {
    for (let i = 0; !ok(); i++) {
      if (i > 100_000) throw new Error('never');
      await new Promise((r) => setImmediate(r));
    }
  };
  const rows = <T>(sql: string) => h!.db.prepare(sql).all() as T[];
  const n = (sql: string) => (h!.db.prepare(sql).get() as { n: number }).n;
  const withIncidents = () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]' });
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    createNoise(h.ctx, outbox, router);
    router.fill(incidentStage(h.ctx.stores.loop));
    return router;
  };

  it('R-SCALE-37: an inbox batch of 200 new alerts stores its events rows in 7 statement runs (32 rows a run), with the seqs SQLite gives, in order, and reads them back as before', async () => {
    const router = withIncidents();
    h!.db.exec(
      `INSERT INTO events (id, source, fingerprint, severity, status, summary, received_at) VALUES ('before', 'api', 'x', 'info', 'firing', 'x', 1)`,
    );
    const seq = newAlerts(router, h!.ctx);
    const counts = await counting(
      h!.db,
      ['INSERT INTO events', 'INSERT OR FAIL INTO events', 'SELECT (SELECT max(seq) FROM events) AS seq'],
      async () => {
        router.pull(seq);
        await router.drain();
      },
    );
    // A run per event before (200 of the first), and no seq asked for.
    expect(counts).toEqual({ 'INSERT INTO events': 0, 'INSERT OR FAIL INTO events': 7, 'SELECT (SELECT max(seq) FROM events) AS seq': 1 });
    // Seqs 2..201 after the row before, in the order the alerts came (fp-0 first), as an INSERT each gave them.
    const stored = rows<{ seq: number; fingerprint: string; processed: number }>(
      `SELECT seq, fingerprint, processed FROM events WHERE id <> 'before' ORDER BY seq`,
    );
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    expect(stored.map((r) => r.fingerprint)).toEqual(Array.from({ length: 200 }, (_, i) => `fp-${i}`));
    expect(stored.every((r) => r.processed === 1)).toBe(true);
    // The events list and an event read back whole: outcome, channels, trace and labels of each row are its own.
    const page = router.events.list({ limit: 50 });
    expect(page.items.map((e) => e.fingerprint)).toEqual(Array.from({ length: 50 }, (_, i) => `fp-${199 - i}`));
    expect(page.nextCursor).toBe(152);
    const first = router.events.get(page.items[49]!.id)!;
    expect(first).toMatchObject({
      seq: 152,
      fingerprint: 'fp-150',
      processed: true,
      outcome: 'notified',
      labels: { alertname: 'A15', instance: 'h150' },
    });
    expect(first.channels).toEqual(['desktop']);
    expect(first.trace.map((t) => t.stage)).toContain('dedupe');
    expect(router.events.get(page.items[48]!.id)!.outcome).toBe('grouped');
  });

  it('R-SCALE-37: a deciding transaction that fails writing its held rows at COMMIT leaves nothing; the retry decides each alert once', async () => {
    const router = withIncidents();
    // The last member row of the batch fails (its write is the last statement before COMMIT).
    h!.db.exec(
      `CREATE TRIGGER test_fault BEFORE INSERT ON incident_members WHEN new.fingerprint = 'fp-199' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
    );
    router.pull(newAlerts(router, h!.ctx));
    await until(() => router.failing() !== null);
    for (const t of ['events', 'alert_state', 'incident_members', 'alert_incidents', 'noise_members'])
      expect(n(`SELECT count(*) AS n FROM ${t}`), t).toBe(0);
    expect(h!.ctx.stores.inbox.decidedThrough()).toBe(0);
    h!.db.exec(`DROP TRIGGER test_fault`);
    h!.clock.advance(5_000); // the retry
    await router.drain();
    expect(router.failing()).toBeNull();
    expect(n(`SELECT count(DISTINCT id) AS n FROM events`)).toBe(200);
    expect(n(`SELECT count(*) AS n FROM events`)).toBe(200);
    expect(n(`SELECT max(seq) - min(seq) + 1 AS n FROM events`)).toBe(200);
    expect(n(`SELECT count(*) AS n FROM incident_members`)).toBe(200);
    expect(n(`SELECT count(*) AS n FROM alert_incidents`)).toBe(20);
    expect(n(`SELECT count(*) AS n FROM events WHERE outcome = 'notified'`)).toBe(20);
  });

  it('R-SCALE-37: rows held for COMMIT are written before a read of their table in the same transaction, a member changed meanwhile is written as it ends, and a rolled-back savepoint drops its own', () => {
    h = testContext();
    const { events, loop, transaction } = h.ctx.stores;
    const done = { outcome: 'notified', trace: [], triage: null, channels: [] };
    const ev = (id: string) => ({ ...alertEvent({ fingerprint: id }), id, receivedAt: 1_790_000_000_000, trace: [] });
    transaction(() => {
      const a = events.insertDecided(ev('a'), done);
      expect(events.get('a')?.seq).toBe(a); // written before the read
      const b = events.insertDecided(ev('b'), done);
      const [c] = events.insert([ev('c')]); // an INSERT of its own takes the next seq
      const d = events.insertDecided(ev('d'), done);
      expect([b, c, d]).toEqual([a + 1, a + 2, a + 3]);
      loop.insertIncident({
        id: 'i1',
        groupKey: 'g',
        title: 't',
        severity: 'warning',
        status: 'open',
        labels: {},
        openedAt: 1,
        resolvedAt: null,
      });
      expect(loop.member('i1', 'fp-a', 'firing', 1)).toBe(true);
      expect(loop.member('i1', 'fp-b', 'firing', 2)).toBe(true);
      expect(loop.members('i1')).toEqual(['fp-a', 'fp-b']);
      expect(loop.member('i1', 'fp-c', 'firing', 3)).toBe(true);
      expect(loop.member('i1', 'fp-c', 'resolved', 4)).toBe(false);
    });
    expect(rows<{ id: string; seq: number }>(`SELECT id, seq FROM events ORDER BY seq`).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(rows(`SELECT fingerprint, status FROM incident_members ORDER BY joined_at`)).toEqual([
      { fingerprint: 'fp-a', status: 'firing' },
      { fingerprint: 'fp-b', status: 'firing' },
      { fingerprint: 'fp-c', status: 'resolved' },
    ]);
    // A savepoint rolled back with its error caught: its held row is gone, and the next takes the seq it had.
    let x = 0;
    let z = 0;
    transaction(() => {
      x = events.insertDecided(ev('x'), done);
      try {
        transaction(() => {
          events.insertDecided(ev('y'), done);
          loop.member('i1', 'fp-y', 'firing', 5);
          throw new Error('constraint failed');
        });
      } catch {
        // the caller carries on without it
      }
      z = events.insertDecided(ev('z'), done);
    });
    expect(z).toBe(x + 1);
    expect(rows<{ id: string }>(`SELECT id FROM events WHERE seq >= ${x} ORDER BY seq`).map((r) => r.id)).toEqual(['x', 'z']);
    expect(loop.members('i1')).toEqual(['fp-a', 'fp-b', 'fp-c']);
    // Outside a transaction a row is written at once.
    const e = events.insertDecided(ev('e'), done);
    expect(events.get('e')?.seq).toBe(e);
  });
});
