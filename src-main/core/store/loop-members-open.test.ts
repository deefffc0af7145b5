import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './db';
import { openMembers } from './loop-members';

const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** A real vigil.db and the rows the incident stage would write (store/loop.ts writes them, then tells openMembers). */
function bed() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-open-members-'));
  dirs.push(dir);
  const { db } = openDatabase(join(dir, 'vigil.db'));
  dbs.push(db);
  const incident = (id: string, status = 'open') =>
    db
      .prepare(`INSERT INTO alert_incidents (id, group_key, title, severity, status, opened_at) VALUES (?, ?, ?, 'warning', ?, 1)`)
      .run(id, `g-${id}`, id, status);
  const member = (id: string, fp: string, status: string) =>
    db
      .prepare(
        `INSERT INTO incident_members (incident_id, fingerprint, status, joined_at) VALUES (?, ?, ?, 1)
         ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = excluded.status`,
      )
      .run(id, fp, status);
  const resolve = (id: string) => db.prepare(`UPDATE alert_incidents SET status = 'resolved' WHERE id = ?`).run(id);
  return { db, incident, member, resolve };
}

/** What openMembers answers for these alerts and incidents. */
const answers = (m: ReturnType<typeof openMembers>, fps: string[], ids: string[]) => ({
  of: Object.fromEntries(fps.map((fp) => [fp, m.incidentsOf(fp).sort()])),
  status: Object.fromEntries(ids.flatMap((id) => fps.map((fp) => [`${id}/${fp}`, m.status(id, fp)]))),
  firing: Object.fromEntries(ids.map((id) => [id, m.firing(id)])),
});

describe('the open incidents’ members in memory (R-SCALE-44: an alert in one incident is a number, not an object)', () => {
  it('R-SCALE-44, R-LOOP-3: members in one and in two open incidents, status changes, an incident resolved and another opened in its place, all answer as the rows do', () => {
    const { db, incident, member, resolve } = bed();
    const fps = ['x', 'y', 'z'];
    const ids = ['A', 'B', 'C', 'D'];
    incident('A');
    incident('B');
    member('A', 'x', 'firing');
    member('A', 'y', 'firing');
    member('B', 'y', 'resolved'); // y's group changed while it fired: in two open incidents
    const m = openMembers(db);
    const fromRows = () => answers(openMembers(db), fps, ids);
    expect(answers(m, fps, ids)).toEqual({
      of: { x: ['A'], y: ['A', 'B'], z: [] },
      status: {
        'A/x': 'firing',
        'A/y': 'firing',
        'A/z': null,
        'B/x': null,
        'B/y': 'resolved',
        'B/z': null,
        'C/x': undefined,
        'C/y': undefined,
        'C/z': undefined,
        'D/x': undefined,
        'D/y': undefined,
        'D/z': undefined,
      },
      firing: { A: 2, B: 0, C: undefined, D: undefined },
    });
    const step = (fn: () => void) => {
      fn();
      expect(answers(m, fps, ids)).toEqual(fromRows());
    };
    step(() => (member('A', 'x', 'resolved'), m.set('A', 'x', 'resolved')));
    step(() => (member('B', 'y', 'firing'), m.set('B', 'y', 'firing')));
    step(() => (member('A', 'x', 'firing'), m.set('A', 'x', 'firing')));
    step(() => (member('B', 'z', 'firing'), m.set('B', 'z', 'firing')));
    // A resolves: its members leave; C opens and takes A's place; x (in A only) is nobody's member until it joins C.
    step(() => (resolve('A'), m.closed('A')));
    expect(m.incidentsOf('x')).toEqual([]);
    expect(m.incidentsOf('y')).toEqual(['B']);
    step(() => (incident('C'), m.opened('C', true)));
    expect(m.status('C', 'x')).toBe(null);
    step(() => (member('C', 'x', 'firing'), m.set('C', 'x', 'firing')));
    step(() => (member('C', 'y', 'resolved'), m.set('C', 'y', 'resolved')));
    expect(m.incidentsOf('y').sort()).toEqual(['B', 'C']);
    // B resolves and D opens; then A reopens (its rows read again).
    step(() => (resolve('B'), m.closed('B')));
    step(() => (incident('D'), m.opened('D', true), member('D', 'z', 'firing'), m.set('D', 'z', 'firing')));
    step(() => (db.prepare(`UPDATE alert_incidents SET status = 'open' WHERE id = 'A'`).run(), m.opened('A', false)));
    expect(m.incidentsOf('x').sort()).toEqual(['A', 'C']);
    expect(m.firing('A')).toBe(2);
    // Forgotten (a rollback): read again from the rows, the same answers.
    m.forget();
    expect(answers(m, fps, ids)).toEqual(fromRows());
  });

  it('R-SCALE-44: an open incident’s 30,000 members take under 85 bytes each in memory after a full GC, fingerprints and map entries included (~62; an object each was ~109)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { db, incident } = bed();
    incident('I');
    const n = 30_000;
    const add = db.prepare(`INSERT INTO incident_members (incident_id, fingerprint, status, joined_at) VALUES ('I', ?, ?, 1)`);
    db.transaction(() => {
      for (let i = 0; i < n; i++) add.run(`fp-${String(i).padStart(12, '0')}`, i % 3 ? 'firing' : 'resolved');
    })();
    const m = openMembers(db);
    gc();
    const before = process.memoryUsage().heapUsed;
    expect(m.firing('I')).toBe(n - Math.ceil(n / 3)); // loads every member
    gc();
    const perMember = (process.memoryUsage().heapUsed - before) / n;
    expect(m.status('I', 'fp-000000000003')).toBe('resolved');
    expect(perMember).toBeLessThan(85);
  });
});
