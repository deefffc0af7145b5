import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { createLogger } from '../log';
import { ConfigSchema } from '../config';
import type { IntakeEvent } from './router';

/** The durable intake inbox: a 202'd HTTP batch that a crash caught unprocessed is processed exactly once at start-up. */
const dir = mkdtempSync(join(tmpdir(), 'vigil-intake-inbox-'));
const config = ConfigSchema.parse({ channels: [{ name: 'desktop', type: 'desktop' }], routes: [{ channels: ['desktop'] }] });
const open = () =>
  createCore({ config, dataDir: dir, clock: new FakeClock(), log: createLogger(null), secrets: { get: () => undefined, names: () => [] } });
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) if (c.areas.db.open) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

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
    cores.push(a);
    const commit = a.accept;
    const [r1, r2] = await Promise.all([commit([event(1), event(2)], 'POST /api/v1/events'), commit([event(3)], 'POST /api/v1/events')]);
    const ids = [...r1!, ...r2!];
    // Acknowledged: the ids answer as queued before the worker has run.
    const queued = await a.call('events.get', { id: ids[0]! });
    expect(queued).toMatchObject({ ok: true, value: { id: ids[0], processed: false } });
    // "Crash": the database goes away before the worker's turn; nothing was processed.
    a.areas.db.close();
    await new Promise((r) => setImmediate(r));
    const peek = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    expect((peek.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n).toBe(0);
    peek.close();
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'), { readonly: true });
    expect((inbox.prepare(`SELECT sum(n) AS n FROM inbox`).get() as { n: number }).n).toBe(3);
    inbox.close();

    for (let restart = 0; restart < 2; restart++) {
      const b = open();
      cores.push(b);
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
});
