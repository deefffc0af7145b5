import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './db';
import { sqliteStores, type Stores } from './stores';

const open: Array<{ db: Database; dir: string }> = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    o.db.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

function stores(): { db: Database; stores: Stores } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-txscope-'));
  const { db } = openDatabase(join(dir, 'vigil.db'));
  open.push({ db, dir });
  return { db, stores: sqliteStores(db) };
}

const head = (size: number) => ({ key: 'group:g', kind: 'group' as const, body: { key: 'g', size }, dueAt: 1_000 + size });
const bodyOf = (db: Database) =>
  (db.prepare(`SELECT body, due_at FROM noise_state WHERE key = 'group:g'`).get() ?? null) as {
    body: string;
    due_at: number;
  } | null;

describe('a transaction writes a row rewritten per event once, and remembers what it read only while it runs', () => {
  it('R-NOISE-1: a group head put 10 times in one transaction is one row at commit with the last body; a read in the transaction sees it', () => {
    const { db, stores: s } = stores();
    let seen: unknown[] = [];
    s.transaction(() => {
      for (let i = 1; i <= 10; i++) s.noise.put(head(i));
      expect(bodyOf(db)).toBeNull(); // not written yet: once, at commit
      seen = s.noise.all().map((r) => r.body); // a read of the rows writes what is deferred first
      s.noise.put(head(11));
    });
    expect(seen).toEqual([{ key: 'g', size: 10 }]);
    expect(bodyOf(db)).toEqual({ body: JSON.stringify({ key: 'g', size: 11 }), due_at: 1_011 });
    // Outside a transaction a put is written at once; a delete in a transaction drops a put still deferred.
    s.noise.put(head(12));
    expect(JSON.parse(bodyOf(db)!.body)).toEqual({ key: 'g', size: 12 });
    s.transaction(() => {
      s.noise.put(head(13));
      s.noise.delete('group:g');
    });
    expect(bodyOf(db)).toBeNull();
  });

  it('R-ROUTE-2: a transaction that rolls back writes none of its deferred rows, and what it remembered is forgotten', () => {
    const { db, stores: s } = stores();
    const incident = {
      groupKey: 'r0|alertname=A',
      title: 'A',
      severity: 'warning',
      labels: { alertname: 'A' },
      openedAt: 1,
      resolvedAt: null,
    };
    expect(() =>
      s.transaction(() => {
        s.noise.put(head(1));
        s.loop.insertIncident({ ...incident, id: 'i1', status: 'open' });
        expect(s.loop.openIncident('r0|alertname=A')?.id).toBe('i1');
        throw new Error('disk I/O error');
      }),
    ).toThrow('disk I/O error');
    expect(bodyOf(db)).toBeNull();
    s.transaction(() => expect(s.loop.openIncident('r0|alertname=A')).toBeNull());
    // Within one transaction the memo follows the repository's own writes: resolved, the group has no open incident.
    s.transaction(() => {
      s.loop.insertIncident({ ...incident, id: 'i2', status: 'open' });
      expect(s.loop.openIncident('r0|alertname=A')?.id).toBe('i2');
      s.loop.resolve('i2', 5);
      expect(s.loop.openIncident('r0|alertname=A')).toBeNull();
      s.loop.reopen('i2');
      expect(s.loop.openIncident('r0|alertname=A')?.id).toBe('i2');
    });
  });
});
