import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inboxFile, openDatabase, sqliteStores } from '../store';
import { inboxText } from './group-commit';
import { createRouter } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

/**
 * R-SCALE-46: a database file Vigil creates has 16 KB pages, so a storm's deciding commits write fewer, larger WAL
 * frames (each frame is two `pwrite`s, and a checkpoint copies it back with a `pread` and a `pwrite`); a file that
 * already has pages keeps its size, and every file keeps ~40 MB of WAL between autocheckpoints.
 */
let h: TestContext | null = null;
afterEach(() => {
  h?.close();
  h = null;
});

const pageSize = (db: BetterSqlite3.Database) => db.pragma('page_size', { simple: true }) as number;

describe('page size', () => {
  it('R-SCALE-46: a storm of 3,000 first deliveries writes under 0.3 WAL frames an alert, every event and alert readable as before', async () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
    const { db, ctx } = h;
    const router = createRouter(ctx, { outbox: recordingOutbox(db) });
    expect(pageSize(db)).toBe(16_384);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(2_500);
    // As bench router's round 0: 10 alerts per alertname (one notifies, nine join its group), 150 requests of 20.
    const n = 3_000;
    for (let r = 0; r < n / 20; r++) {
      const recs = router.prepare(
        Array.from({ length: 20 }, (_, k) => {
          const i = r * 20 + k;
          return alertEvent({ fingerprint: `fp-${i}`, labels: { alertname: `A${Math.floor(i / 10)}`, instance: `h${i}` } });
        }),
        'test',
      );
      router.accepted(ctx.stores.inbox.appendText(ctx.clock.now(), 'test', recs.length, inboxText([recs])), recs);
    }
    // Checkpoints held off: every frame the deciding pass writes stays in the WAL to be counted.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    await router.drain();
    const frames = statSync(`${db.name}-wal`).size / (16_384 + 24);
    // 0.53 an alert at 4 KB pages (the old default), 0.20 at 16 KB.
    expect(frames / n).toBeLessThan(0.3);
    // What the console reads is all there.
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count(`SELECT count(*) AS n FROM events WHERE processed = 1`)).toBe(n);
    expect(count(`SELECT count(*) AS n FROM alert_state WHERE status = 'firing'`)).toBe(n);
    expect(ctx.stores.events.get(ctx.stores.events.list({ limit: 1 }).items[0]!.id)?.labels.instance).toBe(`h${n - 1}`);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it("R-SCALE-46: the inbox file is created with 16 KB pages too; a file that already has pages keeps its size and its WAL's autocheckpoint in bytes", () => {
    h = testContext();
    expect(pageSize(h.db)).toBe(16_384);
    sqliteStores(h.db, h.db.name, undefined, false).inbox.close(); // as a file-backed core opens inbox.db beside vigil.db
    const inbox = new BetterSqlite3(inboxFile(h.db.name), { readonly: true });
    expect(pageSize(inbox)).toBe(16_384);
    inbox.close();
    // A data dir made by an earlier version: SQLite's 4 KB pages, some rows.
    const old = join(h.dir, 'old.db');
    const made = new BetterSqlite3(old);
    made.pragma('journal_mode = WAL');
    made.exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1)`);
    made.close();
    const { db } = openDatabase(old);
    expect(pageSize(db)).toBe(4_096);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    expect(db.prepare(`SELECT x FROM t`).pluck().get()).toBe(1);
    db.close();
  });
});
