import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './db';
import { migrations } from './migrations';
import { sqliteStores, type Stores } from './stores';

const open: Array<{ db: Database; dir: string }> = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    if (o.db.open) o.db.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

/** Stores on a real vigil.db; `again` closes it and opens the same file (a restart). */
function stores(dir = mkdtempSync(join(tmpdir(), 'vigil-noise-members-'))): {
  db: Database;
  s: Stores;
  again: () => ReturnType<typeof stores>;
} {
  const { db } = openDatabase(join(dir, 'vigil.db'));
  open.push({ db, dir });
  return {
    db,
    s: sqliteStores(db),
    again: () => {
      db.close();
      return stores(dir);
    },
  };
}
const byOwner = (s: Stores) => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of s.noise.members()) (out[m.owner] ??= {})[m.fp] = m.body;
  return out;
};
const rows = (db: Database, owner: string) =>
  (db.prepare(`SELECT count(*) AS n FROM noise_members WHERE owner = ?`).get(owner) as { n: number }).n;

describe('noise group and burst members: one row per owner and transaction', () => {
  it('R-SCALE-31, R-NOISE-1: ten members joining a group in one transaction are one row; removals, a rolled-back transaction and a restart leave the members as they were committed', () => {
    const first = stores();
    let { db, s } = first;
    s.transaction(() => {
      for (let i = 0; i < 10; i++) s.noise.putMember('group:a', `fp${i}`, ['h', `e${i}`, 'warning', 's', 1, i]);
      s.noise.putMember('burst:b', 'fp9', ['h', 'e9', 'warning', 's', 1, 9]);
    });
    expect(rows(db, 'group:a')).toBe(1);
    expect(rows(db, 'burst:b')).toBe(1);
    s.transaction(() => {
      s.noise.deleteMember('group:a', 'fp9');
      s.noise.putMember('group:a', 'fp0', ['h', 'e0', 'warning', 's', 0, 0]); // resolved
      expect(byOwner(s)['group:a']!.fp9).toBeUndefined(); // a read in the transaction sees its changes
      s.noise.putMember('group:a', 'fp1', ['h', 'e1', 'warning', 's', 0, 1]); // after that read: a row of its own
    });
    expect(() =>
      s.transaction(() => {
        s.noise.deleteMember('group:a', 'fp2');
        s.noise.delete('burst:b');
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    ({ db, s } = first.again());
    const m = byOwner(s);
    expect(Object.keys(m['group:a']!)).toEqual(['fp0', 'fp1', 'fp2', 'fp3', 'fp4', 'fp5', 'fp6', 'fp7', 'fp8']);
    expect(m['group:a']!.fp0).toEqual(['h', 'e0', 'warning', 's', 0, 0]);
    expect(m['group:a']!.fp1).toEqual(['h', 'e1', 'warning', 's', 0, 1]);
    expect(m['burst:b']).toEqual({ fp9: ['h', 'e9', 'warning', 's', 1, 9] });
    s.noise.delete('group:a');
    expect(rows(db, 'group:a')).toBe(0);
    expect(byOwner(s)['group:a']).toBeUndefined();
  });

  it('R-SCALE-31, R-NOISE-1: a long-lived group whose member changes in every transaction keeps a bounded number of rows, and reads back as it was', () => {
    let { db, s, again } = stores();
    s.transaction(() => {
      for (let i = 0; i < 5; i++) s.noise.putMember('group:a', `fp${i}`, [`h${i}`, 'e', 'warning', 's', 1, 0]);
    });
    let max = 0;
    for (let t = 1; t <= 500; t++) {
      s.transaction(() => s.noise.putMember('group:a', 'fp0', ['h0', 'e', 'warning', 's', t % 2, t]));
      max = Math.max(max, rows(db, 'group:a'));
      if (t === 250) ({ db, s, again } = again()); // a restart halfway: what it knows of the rows is read again
    }
    expect(max).toBeLessThanOrEqual(2 * 5 + 32 + 1);
    ({ s } = again());
    expect(byOwner(s)).toEqual({
      'group:a': {
        fp0: ['h0', 'e', 'warning', 's', 0, 500],
        fp1: ['h1', 'e', 'warning', 's', 1, 0],
        fp2: ['h2', 'e', 'warning', 's', 1, 0],
        fp3: ['h3', 'e', 'warning', 's', 1, 0],
        fp4: ['h4', 'e', 'warning', 's', 1, 0],
      },
    });
  });

  it('R-SCALE-31: a data dir from before (one noise_member row per member) is migrated to one row per owner, members unchanged', () => {
    const first = stores();
    const dir = open.at(-1)!.dir;
    first.db.close();
    const old = new BetterSqlite3(join(dir, 'vigil.db'));
    old.exec(`DROP TABLE noise_members;
      CREATE TABLE noise_member (owner TEXT NOT NULL, fp TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (owner, fp)) WITHOUT ROWID;
      INSERT INTO noise_member VALUES ('group:a', 'x2', '["x2","e2","warning","s",1,2]'),
        ('group:a', 'x1', '{"fp":"x1","host":"x1","eventId":"e1","severity":"warning","summary":"s","firing":true,"since":1}'),
        ('burst:b', 'y', '["y","e3","critical","s",0,3,["pager"]]');
      PRAGMA user_version = 5;`);
    old.close();
    const { db, s } = stores(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'noise_member'`).get()).toBeUndefined();
    expect(byOwner(s)).toEqual({
      'group:a': {
        x1: { fp: 'x1', host: 'x1', eventId: 'e1', severity: 'warning', summary: 's', firing: true, since: 1 },
        x2: ['x2', 'e2', 'warning', 's', 1, 2],
      },
      'burst:b': { y: ['y', 'e3', 'critical', 's', 0, 3, ['pager']] },
    });
    expect(rows(db, 'group:a')).toBe(1);
  });
});
