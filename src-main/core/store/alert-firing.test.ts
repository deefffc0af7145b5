import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Severity } from '../../../src-shared/constants';
import { sqliteAlertStateStore, type AlertState } from './alert-state';
import { openDatabase } from './db';

// The firing counts the status snapshot shows are kept by triggers (store/events.tables.ts alert_firing), so a
// snapshot reads three rows however many alerts fire. These tests hold them to the truth: a count of alert_state.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-firing-'));
  dirs.push(dir);
  return join(dir, 'vigil.db');
}

const state = (fp: string, severity: Severity, status: 'firing' | 'resolved', count = 1): AlertState => ({
  fingerprint: fp,
  source: 'alertmanager',
  severity,
  status,
  summary: `${fp} on web1`,
  labels: { alertname: fp },
  firstSeen: 1,
  lastSeen: count,
  lastEventId: `e-${fp}-${count}`,
  count,
  notifiedStatus: status,
  notifiedAt: 1,
  annotations: {},
  generatorURL: null,
  startsAt: 1,
  endsAt: null,
});

type Db = ReturnType<typeof openDatabase>['db'];
const truth = (db: Db): Record<Severity, number> => {
  const out: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  for (const r of db.prepare(`SELECT severity, count(*) AS n FROM alert_state WHERE status = 'firing' GROUP BY severity`).all() as Array<{
    severity: Severity;
    n: number;
  }>)
    out[r.severity] = r.n;
  return out;
};

describe('firing counts kept by the database', () => {
  it('R-SCALE-14: the firing counts follow every change of alert state: new, repeat, resolved, firing again, severity change, deleted', () => {
    const { db } = openDatabase(file());
    const states = sqliteAlertStateStore(db);
    const check = (want: Record<Severity, number>) => {
      expect(states.firing()).toEqual(want);
      expect(truth(db)).toEqual(want);
    };
    check({ info: 0, warning: 0, critical: 0 });
    states.put(state('a', 'critical', 'firing'));
    states.put(state('b', 'warning', 'firing'));
    states.put(state('c', 'warning', 'resolved'));
    check({ info: 0, warning: 1, critical: 1 });
    states.put(state('a', 'critical', 'firing', 2)); // a repeat: the narrow counters update
    states.put({ ...state('b', 'warning', 'firing', 2), summary: 'changed' }); // the full upsert, same status and severity
    check({ info: 0, warning: 1, critical: 1 });
    states.put(state('a', 'critical', 'resolved', 3));
    check({ info: 0, warning: 1, critical: 0 });
    states.put(state('a', 'critical', 'firing', 4));
    states.put(state('b', 'info', 'firing', 3)); // severity change while firing
    states.put(state('c', 'critical', 'firing', 2)); // a resolved alert fires again with another severity
    check({ info: 1, warning: 0, critical: 2 });
    // Deleted rows (retention prunes resolved ones; a firing one deleted by hand must not leave a count behind).
    db.prepare(`DELETE FROM alert_state WHERE fingerprint IN ('a', 'c')`).run();
    check({ info: 1, warning: 0, critical: 0 });
    db.close();
  });

  it('R-SCALE-14: a database from before the counts is counted once when opened, then kept by the triggers', () => {
    const f = file();
    const first = openDatabase(f).db;
    const states = sqliteAlertStateStore(first);
    for (let i = 0; i < 30; i++) states.put(state(`fp-${i}`, i % 3 ? 'warning' : 'critical', i % 5 ? 'firing' : 'resolved'));
    // As an older build left it: no counts table, no triggers, schema version 2.
    first.exec(`DROP TRIGGER IF EXISTS alert_firing_insert; DROP TRIGGER alert_firing_delete; DROP TRIGGER alert_firing_update;
      DROP TABLE alert_firing; PRAGMA user_version = 2;`);
    first.close();

    const { db, report } = openDatabase(f);
    expect(report.appliedMigrations[0]).toBe(3); // then those that came after (4: no events index by fingerprint, …)
    const again = sqliteAlertStateStore(db);
    expect(again.firing()).toEqual(truth(db));
    expect(again.firing()).toEqual({ info: 0, warning: 16, critical: 8 });
    again.put(state('fp-0', 'critical', 'firing', 2));
    expect(again.firing()).toEqual({ info: 0, warning: 16, critical: 9 });
    db.close();
    // Opening again counts nothing again (the migration ran once) and keeps what the triggers kept.
    const third = openDatabase(f);
    expect(third.report.appliedMigrations).toEqual([]);
    expect(sqliteAlertStateStore(third.db).firing()).toEqual({ info: 0, warning: 16, critical: 9 });
    third.db.close();
  });

  it('R-SCALE-27: new alerts are counted by the store that inserts them, in the same transaction: a batch rolled back (whole, or a savepoint that failed half-way) leaves the counts exact', () => {
    const { db } = openDatabase(file());
    const states = sqliteAlertStateStore(db);
    const check = () => expect(states.firing()).toEqual(truth(db));
    const batch = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        state(`${prefix}${i}`, (['info', 'warning', 'critical'] as const)[i % 3]!, i % 4 ? 'firing' : 'resolved'),
      );
    db.transaction(() => states.putMany(batch('a', 12)))();
    expect(states.firing()).toEqual({ info: 3, warning: 3, critical: 3 });
    check();
    // The insert trigger is gone: a row is counted once, by the store.
    expect(
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'alert_firing%' ORDER BY name`).pluck().all(),
    ).toEqual(['alert_firing_delete', 'alert_firing_update']);
    // A whole deciding transaction rolled back: its rows and its counts go together.
    expect(() =>
      db.transaction(() => {
        states.putMany(batch('b', 9));
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    states.invalidate(); // as the router does after a rollback
    check();
    expect(states.firing()).toEqual({ info: 3, warning: 3, critical: 3 });
    // A batch that fails half-way (the 4th state cannot be stored) inside a savepoint the outer transaction survives.
    const bad = batch('c', 6);
    bad[3] = { ...bad[3]!, summary: null as unknown as string };
    db.transaction(() => {
      expect(() => db.transaction(() => states.putMany(bad))()).toThrow(/NOT NULL/);
      states.putMany(batch('d', 3)); // committed with the outer transaction
    })();
    states.invalidate();
    check();
    expect(states.firing()).toEqual({ info: 3, warning: 4, critical: 4 });
    // Outside a savepoint, a batch that fails half-way keeps the rows it inserted, and counts them.
    expect(() => states.putMany(bad)).toThrow(/NOT NULL/);
    check();
    expect(db.prepare(`SELECT count(*) FROM alert_state WHERE fingerprint LIKE 'c%'`).pluck().get()).toBe(3);
    // Rows known to the cache but deleted meanwhile by another path are inserted again, and counted again.
    db.prepare(`DELETE FROM alert_state WHERE fingerprint IN ('a1', 'a2')`).run();
    check();
    states.putMany([{ ...state('a1', 'warning', 'firing', 2) }, { ...state('a2', 'critical', 'firing', 2) }]);
    check();
    expect(db.prepare(`SELECT count(*) FROM alert_state WHERE fingerprint IN ('a1', 'a2')`).pluck().get()).toBe(2);
    db.close();
  });

  it('R-SCALE-27: kill -9 half-way through a batch of new alerts (rows written, counts not yet) leaves the counts exact after a restart', () => {
    const f = file();
    openDatabase(f).db.close(); // migrated by this process: the child only writes
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'alert-firing.child.ts'), f], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('not killed');
    const { db } = openDatabase(f);
    const states = sqliteAlertStateStore(db);
    expect(states.firing()).toEqual(truth(db));
    expect(states.firing()).toEqual({ info: 0, warning: 15, critical: 5 }); // the committed batch only
    expect(db.prepare(`SELECT count(*) FROM alert_state WHERE fingerprint LIKE 'b%'`).pluck().get()).toBe(0);
    db.close();
  });
});
