import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { sqliteStores } from './stores';

const dir = mkdtempSync(join(tmpdir(), 'vigil-replayable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The router decides acknowledged batches in `replayable` transactions (no fsync of their own); every other
 * commit — above all the intake append that gates a 202 — must still be fsynced (synchronous = FULL = 2).
 */
describe('replayable transactions (R-ROUTE-2)', () => {
  it('R-ROUTE-2: a replayable transaction commits its rows, and every commit after it is fsynced again, even after a failure', () => {
    const { db } = openDatabase(join(dir, 'vigil.db'));
    const stores = sqliteStores(db, null);
    const sync = () => db.pragma('synchronous', { simple: true });
    expect(sync()).toBe(2);
    const write = db.prepare(`INSERT INTO meta (key, value) VALUES (?, 'x')`);
    let inside: unknown;
    stores.transaction(() => {
      inside = sync();
      write.run('first');
    }, 'replayable');
    expect(inside).toBe(1); // NORMAL while deciding
    expect(sync()).toBe(2);
    expect(() =>
      stores.transaction(() => {
        write.run('second');
        throw new Error('stage failed');
      }, 'replayable'),
    ).toThrow('stage failed');
    expect(sync()).toBe(2);
    // Rolled back as a whole: only the first row is there.
    expect(db.prepare(`SELECT key FROM meta WHERE value = 'x'`).all()).toEqual([{ key: 'first' }]);
    // Nested in an outer (fsynced) transaction it joins it and changes nothing.
    stores.transaction(() => stores.transaction(() => (inside = sync()), 'replayable'));
    expect(inside).toBe(2);
    db.close();
  });
});
