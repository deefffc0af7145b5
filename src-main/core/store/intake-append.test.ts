import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { sqliteStores, type Stores } from './stores';

let dir = '';
let stores: Stores | null = null;
let db: ReturnType<typeof openDatabase>['db'] | null = null;
afterEach(async () => {
  await stores?.intake.close();
  stores?.inbox.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (id: string) => ({ id, source: 'api', fingerprint: id, severity: 'warning', status: 'firing', summary: id, labels: {} });

function open(): { file: string; stores: Stores } {
  dir = mkdtempSync(join(tmpdir(), 'vigil-intake-'));
  const file = join(dir, 'vigil.db');
  ({ db } = openDatabase(file));
  stores = sqliteStores(db, file);
  return { file, stores };
}

/** Resolves true once `p` settles, false if it has not after `ms` (this thread keeps running meanwhile). */
const settlesWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('the intake append on its own thread and file (R-ROUTE-2)', () => {
  it('R-ROUTE-2, R-INBOX-1: inbox.db is created 0600 beside vigil.db, and while another connection holds its write lock the append waits on its own thread', async () => {
    const { stores: s } = open();
    expect(s.intake.runsOn).toBe('worker');
    if (process.platform !== 'win32') expect(statSync(join(dir, 'inbox.db')).mode & 0o777).toBe(0o600);
    const first = await s.intake.append(1, 'POST /x', 1, JSON.stringify([event('a')]));
    expect(s.inbox.after(0, 10)).toEqual([{ seq: first, n: 1 }]);

    const blocker = new BetterSqlite3(join(dir, 'inbox.db'));
    blocker.exec('BEGIN IMMEDIATE');
    const second = s.intake.append(2, 'POST /x', 2, JSON.stringify([event('b-ä→😀'), event('c')]));
    // This thread is free (timers fire) while the append waits for the lock on the intake thread.
    expect(await settlesWithin(second, 150)).toBe(false);
    blocker.exec('COMMIT');
    blocker.close();
    const seq = await second;
    expect(seq).toBeGreaterThan(first);
    // Committed on the other connection, read on this one: the batch with its events, in order.
    expect(s.inbox.events(seq)).toEqual([event('b-ä→😀'), event('c')]);
    expect(s.inbox.waiting()).toEqual({ count: 3, oldest: 1 });
  });

  it("R-ROUTE-2, R-INBOX-1: an append is acknowledged while a deciding transaction holds vigil.db's write lock", async () => {
    const { file, stores: s } = open();
    await s.intake.append(1, 'POST /x', 1, JSON.stringify([event('warm')]));
    // Another connection (the decider thread's) in the middle of a deciding transaction on vigil.db.
    const decider = new BetterSqlite3(file);
    decider.exec('BEGIN IMMEDIATE');
    decider.prepare(`INSERT INTO meta (key, value) VALUES ('deciding', '1')`).run();
    try {
      const acked = s.intake.append(2, 'POST /x', 1, JSON.stringify([event('during')]));
      // Before the inbox had a file of its own this waited for the deciding commit (the same write lock).
      expect(await settlesWithin(acked, 10_000)).toBe(true);
      expect(s.inbox.events(await acked)).toEqual([event('during')]);
    } finally {
      decider.exec('COMMIT');
      decider.close();
    }
  });

  it('R-ROUTE-2, R-INBOX-1: an in-memory database keeps its inbox in the same database and appends inline', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-intake-'));
    ({ db } = openDatabase(':memory:'));
    stores = sqliteStores(db, null);
    expect(stores.intake.runsOn).toBe('inline');
    expect(stores.inbox.separate).toBe(false);
    const seq = await stores.intake.append(1, 'POST /x', 1, JSON.stringify([event('a')]));
    expect(stores.inbox.events(seq)).toEqual([event('a')]);
    expect(db!.prepare(`SELECT count(*) AS n FROM inbox`).get()).toEqual({ n: 1 });
  });
});
