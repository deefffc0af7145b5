import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store';
import type { IntakeEvent } from './router';
import { useCoreBed } from './testbed';
import { alertEvent } from './testing';

/**
 * The inbox in a file of its own (inbox.db, store/inbox.ts), on real files and the real decider and intake threads:
 * an older data dir's intake_batches rows are decided once, and inbox rows leave inbox.db only behind an fsynced
 * commit of vigil.db that covers their decision.
 */
const bed = useCoreBed('inbox-file');
const open = (dir: string, decider: 'inline' | 'worker') => bed.open(dir, { decider });
const { tempDir } = bed;

const event = (name: string): IntakeEvent =>
  alertEvent({ fingerprint: `fp-${name}`, summary: `${name} is down`, labels: { alertname: name } });
/** An event as the previous version stored it in an intake_batches row (ids assigned at intake). */
const stored = (name: string) => ({
  ...event(name),
  id: `evt-${name}`,
  receivedAt: 1_700_000_000_000,
  trace: [{ at: 1_700_000_000_000, stage: 'persist', result: 'pass', detail: 'stored (intake batch of 2)' }],
  annotations: {},
  generatorURL: null,
  origin: null,
});
const count = (db: BetterSqlite3.Database, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;

describe('the inbox file (R-ROUTE-2)', { timeout: 120_000 }, () => {
  for (const decider of ['inline', 'worker'] as const) {
    it(`R-ROUTE-2, R-INBOX-1: a data dir upgraded with acknowledged rows left in vigil.db's old intake_batches table has each decided exactly once (${decider})`, async () => {
      const dir = tempDir();
      // vigil.db as the previous version left it at a crash: two acknowledged batches in intake_batches, no inbox file.
      const { db: old } = openDatabase(join(dir, 'vigil.db'));
      old.exec(`DROP TABLE inbox_cursor`);
      old.exec(
        `CREATE TABLE intake_batches (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, via TEXT NOT NULL, n INTEGER NOT NULL, events TEXT NOT NULL)`,
      );
      const ins = old.prepare(
        `INSERT INTO intake_batches (seq, received_at, via, n, events) VALUES (?, 1700000000000, 'POST /api/v1/events', ?, ?)`,
      );
      ins.run(1, 2, JSON.stringify([stored('Old1'), stored('Old2')]));
      ins.run(2, 1, JSON.stringify([stored('Old3')]));
      old.close();
      const ids = ['evt-Old1', 'evt-Old2', 'evt-Old3'];

      for (let start = 0; start < 2; start++) {
        const core = open(dir, decider);
        await core.start();
        // New intake after the upgrade takes seqs of its own (seq 1 of inbox.db is not the old row 1).
        const [fresh] = await core.accept([event(`New${start}`)], 'POST /api/v1/events');
        await core.areas.router.drain();
        const db = core.areas.db;
        for (const id of [...ids, fresh!]) {
          expect(db.prepare(`SELECT processed, outcome FROM events WHERE id = ?`).all(id)).toEqual([{ processed: 1, outcome: 'notified' }]);
          expect(count(db, `SELECT count(*) AS n FROM outbox WHERE idem_key = ?`, `${id}:alert:desktop`)).toBe(1);
        }
        expect(count(db, `SELECT count(*) AS n FROM events`)).toBe(ids.length + start + 1);
        expect(count(db, `SELECT count(*) AS n FROM sqlite_master WHERE name = 'intake_batches'`)).toBe(0); // drained, then dropped
        expect(core.areas.router.inbox()).toEqual({ count: 0, oldest: null });
        await core.stop();
      }
    });
  }

  it('R-ROUTE-2, R-SCALE-7, R-INBOX-1: during a storm decided on the decider thread, no inbox row is deleted before an fsynced commit of vigil.db covers its decision; a stop leaves inbox.db empty', async () => {
    const dir = tempDir();
    const core = open(dir, 'worker');
    await core.start();
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'), { readonly: true });
    const main = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    // Deleted through = everything before the first row left (or all appended when none is left); read before `synced`,
    // which only grows, so a sample can only err on the safe side.
    const deletedThrough = () => {
      const r = inbox
        .prepare(`SELECT (SELECT min(seq) FROM inbox) AS first, (SELECT seq FROM sqlite_sequence WHERE name = 'inbox') AS last`)
        .get() as { first: number | null; last: number | null };
      return r.first === null ? (r.last ?? 0) : r.first - 1;
    };
    const synced = () => count(main, `SELECT synced AS n FROM inbox_cursor`);
    const samples: Array<{ deleted: number; synced: number }> = [];
    const sampler = setInterval(() => {
      const deleted = deletedThrough();
      samples.push({ deleted, synced: synced() });
    }, 5);
    try {
      const ids: string[] = [];
      for (let wave = 0; wave < 8; wave++) {
        const reqs = Array.from({ length: 8 }, (_, r) => Array.from({ length: 50 }, (_, i) => event(`Storm${wave}x${r}x${i}`)));
        for (const got of await Promise.all(reqs.map((b) => core.accept(b, 'POST /api/v1/events')))) ids.push(...got);
        await new Promise((r) => setTimeout(r, 150));
      }
      await core.areas.router.drain();
      await expect.poll(() => deletedThrough(), { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
      expect(ids).toHaveLength(3_200);
    } finally {
      clearInterval(sampler);
    }
    // The state the poll saw, as a sample too: under load the 5 ms sampler may not have run since the deletion.
    samples.push({ deleted: deletedThrough(), synced: synced() });
    expect(samples.filter((s) => s.deleted > s.synced)).toEqual([]);
    expect(samples.some((s) => s.deleted > 0)).toBe(true); // rows did leave the inbox during the storm
    await core.stop();
    expect(count(inbox, `SELECT count(*) AS n FROM inbox`)).toBe(0);
    expect(count(main, `SELECT count(*) AS n FROM events WHERE processed = 1`)).toBe(3_200);
    inbox.close();
    main.close();
  });
});
