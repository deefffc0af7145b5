import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';

/**
 * The 202 of HTTP intake waits only for the fsynced append to inbox.db (docs/architecture.md "Threads"): real HTTP,
 * a real data dir, the real intake and decider threads. A deciding transaction holding vigil.db's write lock
 * does not hold it back; the event is decided once the lock is free.
 */
const TOKEN = 'intake-lock-token-0123456789abcdefghijklmnop';
/** router/inbox.ts SETTLE_MS: the most time between a decision and the fsynced commit that lets its row go. */
const SETTLE_MS = 600;
/** How long inbox.db's write lock is held while the decider is asked to drain (under SQLite's 5 s busy timeout). */
const HOLD_MS = 3_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'vigil-intake-lock-'));
let core: Core;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  core = createCore({
    config: parseConfig('channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]'),
    dataDir: dir,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    decider: 'worker',
  });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
  // Both threads up before the tests: the first request starts the intake thread, and under tests each thread
  // compiles the TypeScript sources through tsx. On a loaded machine (the full unit run) that took over the first
  // request's 20 s abort inside the test; it is set-up, not what the tests measure.
  expect((await post('Warmup', 110_000)).status).toBe(202);
  await core.areas.router.drain();
}, 120_000);
afterAll(async () => {
  await app.close();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const post = (summary: string, abortMs = 20_000) =>
  fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ source: 'ci', severity: 'critical', summary, labels: { alertname: summary } }),
    signal: AbortSignal.timeout(abortMs),
  });

describe('HTTP intake beside a deciding transaction (R-ROUTE-2, R-SCALE-7)', { timeout: 120_000 }, () => {
  it("R-ROUTE-2, R-SCALE-7, R-INBOX-1: an event is answered 202 while another connection holds vigil.db's write lock, and decided once it is released", async () => {
    const decider = new BetterSqlite3(join(dir, 'vigil.db'));
    decider.exec('BEGIN IMMEDIATE'); // as the decider thread's deciding transaction holds it
    decider.prepare(`INSERT INTO meta (key, value) VALUES ('deciding', '1')`).run();
    let id: string | undefined;
    try {
      const res = await post('DuringDecide');
      expect(res.status).toBe(202);
      id = ((await res.json()) as { ids: string[] }).ids[0]!;
      expect(await core.call('events.get', { id: id! })).toMatchObject({ ok: true, value: { processed: false } });
    } finally {
      decider.exec('COMMIT');
      decider.close();
    }
    await core.areas.router.drain();
    expect(await core.call('events.get', { id: id! })).toMatchObject({ ok: true, value: { processed: true, outcome: 'notified' } });
  });

  it("R-INBOX-3, R-ROUTE-2: an append that waits out inbox.db's busy timeout is answered 503 with Retry-After, stores nothing, and the retry is accepted", async () => {
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'));
    inbox.exec('BEGIN IMMEDIATE'); // longer than the intake thread's 5 s busy timeout
    let res: Response;
    try {
      res = await post('Busy503');
    } finally {
      inbox.exec('COMMIT');
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'the intake inbox is busy (another writer holds its lock): nothing was stored; retry' },
    });
    expect(inbox.prepare(`SELECT count(*) AS n FROM inbox WHERE events LIKE '%Busy503%'`).get()).toEqual({ n: 0 });
    const again = await post('Busy503');
    expect(again.status).toBe(202);
    await core.areas.router.drain();
    expect(core.areas.db.prepare(`SELECT count(*) AS n FROM events WHERE summary = 'Busy503'`).get()).toEqual({ n: 1 });
    inbox.close();
  });

  it("R-INBOX-3, R-INBOX-1: the decider thread never waits for inbox.db's write lock; decided rows are deleted by the intake thread once it is free, never beyond synced", async () => {
    expect((await post('Warmup2')).status).toBe(202);
    await core.areas.router.drain();
    await sleep(SETTLE_MS); // the warm-up's settle is done: the next decision settles at once
    const synced = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    const syncedSeq = () => (synced.prepare(`SELECT synced FROM inbox_cursor`).get() as { synced: number }).synced;
    const vigil = new BetterSqlite3(join(dir, 'vigil.db'));
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'));
    let id = '';
    let seq = 0;
    try {
      vigil.exec('BEGIN IMMEDIATE'); // the decision waits for this lock, so it comes after inbox.db's is taken
      const res = await post('WhileInboxLocked');
      expect(res.status).toBe(202);
      id = ((await res.json()) as { ids: string[] }).ids[0]!;
      seq = (inbox.prepare(`SELECT max(seq) AS seq FROM inbox`).get() as { seq: number }).seq;
      // What a descheduled decider deleting decided rows did: hold inbox.db's write lock.
      inbox.exec('BEGIN IMMEDIATE');
      vigil.exec('COMMIT');
      await expect
        .poll(async () => (await core.call('events.get', { id })).ok && syncedSeq(), { timeout: 20_000, interval: 50 })
        .toBeGreaterThanOrEqual(seq);
      // Decided and synced under the held lock. The decider used to delete the rows next, waiting for this lock in
      // SQLite's busy handler (5 s) with its thread blocked: a drain asked now was answered only after the release.
      await sleep(1_000);
      const asked = Date.now();
      const drained = core.areas.router.drain().then(() => Date.now());
      const answered = await Promise.race([drained, sleep(HOLD_MS).then(() => null)]);
      expect(answered, 'the decider answered while inbox.db was locked').not.toBeNull();
      expect(answered! - asked).toBeLessThan(HOLD_MS);
      expect(inbox.prepare(`SELECT count(*) AS n FROM inbox WHERE seq = ?`).get(seq)).toEqual({ n: 1 }); // not deleted yet
    } finally {
      if (vigil.inTransaction) vigil.exec('COMMIT');
      if (inbox.inTransaction) inbox.exec('COMMIT');
      vigil.close();
    }
    // Once the lock is free the intake thread deletes the rows (the next settle asks again if its wait timed out).
    const left = () => (inbox.prepare(`SELECT count(*) AS n FROM inbox WHERE seq <= ?`).get(seq) as { n: number }).n;
    await expect
      .poll(
        async () => {
          if (left()) await post(`Nudge${Date.now()}`);
          return left();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(0);
    // Never beyond synced: deleted through the row before the first left (all appended when none is left).
    const r = inbox
      .prepare(`SELECT min(seq) AS first, (SELECT seq FROM sqlite_sequence WHERE name = 'inbox') AS last FROM inbox`)
      .get() as {
      first: number | null;
      last: number;
    };
    expect(r.first === null ? r.last : r.first - 1).toBeLessThanOrEqual(syncedSeq());
    expect(await core.call('events.get', { id })).toMatchObject({ ok: true, value: { processed: true, outcome: 'notified' } });
    inbox.close();
    synced.close();
  });
});
