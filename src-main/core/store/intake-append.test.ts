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
    const second = stores.intake.append(2, 'POST /x', 2, JSON.stringify([event('b'), event('c')])).then((seq) => ((committed = true), seq));
    // This thread is free: timers fire while the append waits for the lock (inline it would sleep here in SQLite's busy handler).
    let ticks = 0;
    while (ticks < 5) await new Promise((r) => setTimeout(r, 20)).then(() => ticks++);
    expect(committed).toBe(false);
    blocker.exec('COMMIT');
    blocker.close();
    const seq = await second;
    expect(seq).toBeGreaterThan(first);
    // Committed on the other connection, read on this one: the batch with its events, in order.
    expect(stores.events.pendingBatches(first, 10)).toEqual([{ seq, events: [event('b'), event('c')] }]);
    expect(stores.events.inbox().count).toBe(3);
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
