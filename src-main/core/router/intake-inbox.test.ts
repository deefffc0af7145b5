import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { bodiesText, bodyEntry } from './inbox-bodies';
import type { IntakeEvent } from './router';
import { useCoreBed } from './testbed';

/** The durable intake inbox: a 202'd HTTP batch that a crash caught unprocessed is processed exactly once at start-up. */
const bed = useCoreBed('intake-inbox');
const dir = bed.tempDir();
const open = () => bed.open(dir, { clock: new FakeClock() });

const event = (n: number): IntakeEvent => ({
  source: 'api',
  fingerprint: `fp-${n}`,
  severity: 'critical',
  status: 'firing',
  summary: `service ${n} is down`,
  description: null,
  labels: { alertname: `Down${n}` },
  startsAt: null,
  endsAt: null,
});

describe('durable intake inbox (R-ROUTE-2)', () => {
  it('R-ROUTE-2: a batch acknowledged but unprocessed at a crash is processed exactly once on start-up', async () => {
    const a = open();
    const commit = a.accept;
    const [r1, r2] = await Promise.all([commit([event(1), event(2)], 'POST /api/v1/events'), commit([event(3)], 'POST /api/v1/events')]);
    const ids = [...r1!, ...r2!];
    // Acknowledged: the ids answer as queued before the worker has run.
    const queued = await a.call('events.get', { id: ids[0]! });
    expect(queued).toMatchObject({ ok: true, value: { id: ids[0], processed: false } });
    // "Crash": the database goes away before the worker's turn; nothing was processed.
    await bed.crash(a);
    const peek = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    expect((peek.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n).toBe(0);
    peek.close();
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'), { readonly: true });
    expect((inbox.prepare(`SELECT sum(n) AS n FROM inbox`).get() as { n: number }).n).toBe(3);
    inbox.close();

    for (let restart = 0; restart < 2; restart++) {
      const b = open();
      await b.start(); // replays the batch before serving; a second restart finds nothing to replay
      await b.areas.router.drain();
      const db = b.areas.db;
      for (const id of ids) {
        expect(db.prepare(`SELECT processed, outcome FROM events WHERE id = ?`).all(id)).toEqual([{ processed: 1, outcome: 'notified' }]);
        expect((db.prepare(`SELECT count(*) AS n FROM outbox WHERE idem_key = ?`).get(`${id}:alert:desktop`) as { n: number }).n).toBe(1);
      }
      expect((db.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n).toBe(3);
      expect(b.areas.router.inbox()).toEqual({ count: 0, oldest: null });
      const got = await b.call('events.get', { id: ids[2]! });
      expect(got).toMatchObject({ ok: true, value: { id: ids[2], processed: true, outcome: 'notified' } });
      await b.stop();
    }
  });

  it('R-SCALE-40: a stored body this version no longer reads is decided as a critical Vigil alert holding it, and the batches after it are decided too', async () => {
    const a = open();
    await a.start();
    const [ok] = await Promise.all([a.accept([event(1)], 'POST /api/v1/events')]);
    await a.areas.router.drain();
    await a.stop();
    // A row as the intake thread writes it, whose webhook the am-webhook adapter no longer reads (an upgrade changed it),
    // then an ordinary one behind it.
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'));
    const put = inbox.prepare(`INSERT INTO inbox (received_at, via, n, events) VALUES (?, ?, ?, ?)`);
    put.run(
      5,
      'POST /api/v1/alerts/alertmanager',
      2,
      bodiesText([bodyEntry('am-webhook', 5, 'POST /api/v1/alerts/alertmanager', ['u-1', 'u-2'], '{"version":"3","alerts":[]}')]),
    );
    put.run(6, 'POST /api/v1/events', 1, bodiesText([bodyEntry('events', 6, 'POST /api/v1/events', ['g-1'], JSON.stringify(event(2)))]));
    inbox.close();
    const b = open();
    await b.start();
    await b.areas.router.drain();
    const db = b.areas.db;
    const row = (id: string) =>
      db.prepare(`SELECT fingerprint, severity, processed, description FROM events WHERE id = ?`).get(id) as Record<string, unknown>;
    expect(row('u-1')).toMatchObject({ fingerprint: 'vigil:inbox-unreadable:am-webhook', severity: 'critical', processed: 1 });
    expect(row('u-1').description).toContain('{"version":"3","alerts":[]}');
    expect(row('u-2')).toMatchObject({ fingerprint: 'vigil:inbox-unreadable:am-webhook', processed: 1 });
    expect(row('g-1')).toMatchObject({ severity: 'critical', processed: 1 }); // not held behind it
    expect(b.areas.router.inbox()).toEqual({ count: 0, oldest: null });
    expect(ok).toHaveLength(1);
    await b.stop();
  });
});
