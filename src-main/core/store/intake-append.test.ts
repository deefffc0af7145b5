import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
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
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (id: string) => ({ id, source: 'api', fingerprint: id, severity: 'warning', status: 'firing', summary: id, labels: {} });

describe('the intake append on its own thread (R-ROUTE-2)', () => {
  it('R-ROUTE-2: while another connection holds the write lock, the append waits on its own thread (this one keeps running) and commits once the lock is free', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-intake-'));
    const file = join(dir, 'vigil.db');
    ({ db } = openDatabase(file));
    stores = sqliteStores(db, file);
    expect(stores.intake.runsOn).toBe('worker');
    // Start the thread and prove the path works.
    const first = await stores.intake.append(1, 'POST /x', 1, JSON.stringify([event('a')]));
    expect(stores.events.pendingBatches(0, 10).map((b) => b.seq)).toEqual([first]);

    const blocker = new BetterSqlite3(file);
    blocker.exec('BEGIN IMMEDIATE');
    let committed = false;
    const second = stores.intake
      .append(2, 'POST /x', 2, JSON.stringify([event('b-ä→😀'), event('c')]))
      .then((seq) => ((committed = true), seq));
    // This thread is free: timers fire while the append waits for the lock (inline it would sleep here in SQLite's busy handler).
    let ticks = 0;
    while (ticks < 5) await new Promise((r) => setTimeout(r, 20)).then(() => ticks++);
    expect(committed).toBe(false);
    blocker.exec('COMMIT');
    blocker.close();
    const seq = await second;
    expect(seq).toBeGreaterThan(first);
    // Committed on the other connection, read on this one: the batch with its events, in order.
    expect(stores.events.pendingBatches(first, 10)).toEqual([{ seq, events: [event('b-ä→😀'), event('c')] }]);
    expect(stores.events.inbox().count).toBe(3);
  });

  it('R-ROUTE-2: while this thread commits transactions back to back (a backlog being decided), every intake append gets its turn', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-intake-'));
    const file = join(dir, 'vigil.db');
    ({ db } = openDatabase(file));
    stores = sqliteStores(db, file);
    const s = stores;
    await s.intake.append(1, 'POST /x', 1, JSON.stringify([event('warm')]));
    // SQLite's busy handler alone starved the intake thread here: it slept between tries and this thread took the
    // lock again in every gap, so an append failed with SQLITE_BUSY after 5 s (an HTTP 500 in a storm).
    const results: Array<number | string> = [];
    const appends = (async () => {
      for (let i = 0; i < 5; i++)
        results.push(await s.intake.append(2, 'POST /x', 1, JSON.stringify([event(`e${i}`)])).catch((e: Error) => e.message));
    })();
    let done = false;
    void appends.then(() => (done = true));
    const deadline = Date.now() + 60_000;
    const ins = db!.prepare(`INSERT INTO intake_batches (received_at, via, n, events) VALUES (3, 'decide', 0, '[]')`);
    while (!done && Date.now() < deadline) {
      s.transaction(() => {
        ins.run();
        for (const end = Date.now() + 20; Date.now() < end;); // a 20 ms slice holding the lock
      });
      await new Promise((r) => setImmediate(r));
    }
    await appends;
    expect(results.every((r) => typeof r === 'number')).toBe(true);
    expect(results).toHaveLength(5);
  });

  it('R-ROUTE-2: an in-memory database appends inline, on the same connection', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-intake-'));
    ({ db } = openDatabase(':memory:'));
    stores = sqliteStores(db, null);
    expect(stores.intake.runsOn).toBe('inline');
    const seq = await stores.intake.append(1, 'POST /x', 1, JSON.stringify([event('a')]));
    expect(stores.events.pendingBatches(0, 10)).toEqual([{ seq, events: [event('a')] }]);
  });
});
