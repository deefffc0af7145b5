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

  it('R-ROUTE-2: an alert state or incident member written in a transaction that rolls back, outermost or a nested one caught, is not remembered', () => {
    const { stores: s } = stores();
    const state = (fp: string) => ({
      fingerprint: fp,
      source: 'alertmanager',
      severity: 'critical' as const,
      status: 'firing' as const,
      summary: 'disk full',
      labels: { alertname: 'DiskFull' },
      firstSeen: 1,
      lastSeen: 1,
      lastEventId: 'e1',
      count: 1,
      notifiedStatus: 'firing' as const,
      notifiedAt: 1,
    });
    const incident = {
      groupKey: 'r0|alertname=DiskFull',
      title: 'DiskFull',
      severity: 'critical',
      labels: {},
      openedAt: 1,
      resolvedAt: null,
    };
    s.loop.insertIncident({ ...incident, id: 'i1', status: 'open' });
    expect(s.loop.openIncidentsOf('fp-a')).toEqual([]); // the open incidents' members are read (and kept) now
    // A transaction of someone other than the deciding pass (a noise flush, a console action) that fails.
    expect(() =>
      s.transaction(() => {
        s.alertStates.put(state('fp-a'));
        s.loop.member('i1', 'fp-a', 'firing', 2);
        throw new Error('disk I/O error');
      }),
    ).toThrow('disk I/O error');
    expect(s.alertStates.get('fp-a')).toBeNull(); // before: the cached state, never committed
    expect(s.loop.openIncidentsOf('fp-a')).toEqual([]); // before: a member of i1
    // A nested savepoint rolled back and its error caught: the outer transaction commits the rest.
    s.transaction(() => {
      s.alertStates.put(state('fp-b'));
      try {
        s.transaction(() => {
          s.alertStates.put(state('fp-c'));
          s.loop.member('i1', 'fp-c', 'firing', 3);
          throw new Error('constraint failed');
        });
      } catch {
        // the caller carries on without it
      }
    });
    expect(s.alertStates.get('fp-b')?.summary).toBe('disk full');
    expect(s.alertStates.get('fp-c')).toBeNull();
    expect(s.loop.openIncidentsOf('fp-c')).toEqual([]);
  });

  it('R-ROUTE-2: a row deferred inside a nested transaction that rolls back (its error caught) is not written at the outer COMMIT', () => {
    const { db, stores: s } = stores();
    const other = { key: 'group:h', kind: 'group' as const, body: { key: 'h', size: 1 }, dueAt: 2_000 };
    s.transaction(() => {
      s.noise.put(head(1)); // the outer transaction's own, deferred
      try {
        s.transaction(() => {
          s.noise.all(); // a read writes the outer one's deferred row here, inside the savepoint that rolls back
          s.noise.put(head(2)); // rewrites that row...
          s.noise.put(other); // ...and defers one of its own
          throw new Error('constraint failed');
        });
      } catch {
        // the caller carries on without it
      }
    });
    // Before: both of the savepoint's puts were still deferred and written at the outer COMMIT. The outer put, written
    // early in the savepoint and rolled back with it, is deferred again and written.
    expect(bodyOf(db)).toEqual({ body: JSON.stringify({ key: 'g', size: 1 }), due_at: 1_001 });
    expect(db.prepare(`SELECT count(*) AS n FROM noise_state WHERE key = 'group:h'`).get()).toEqual({ n: 0 });
  });
});
