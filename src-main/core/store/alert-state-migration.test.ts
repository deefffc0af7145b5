import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAlertStateStore } from './alert-state';
import { openDatabase } from './db';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** alert_state as databases made before migration 2 have it: clustered by fingerprint (WITHOUT ROWID). */
const OLD = `CREATE TABLE alert_state ("fingerprint" TEXT PRIMARY KEY, "source" TEXT NOT NULL, "severity" TEXT NOT NULL, "status" TEXT NOT NULL,
  "summary" TEXT NOT NULL, "labels" TEXT NOT NULL DEFAULT '{}', "first_seen" INTEGER NOT NULL, "last_seen" INTEGER NOT NULL,
  "last_event_id" TEXT NOT NULL, "count" INTEGER NOT NULL DEFAULT 1, "notified_status" TEXT, "notified_at" INTEGER,
  "annotations" TEXT NOT NULL DEFAULT '{}', "generator_url" TEXT, "starts_at" INTEGER, "ends_at" INTEGER) WITHOUT ROWID;
CREATE INDEX alert_state_status ON alert_state(status, severity);
INSERT INTO alert_state VALUES ('fp-a', 'alertmanager', 'critical', 'firing', 'Disk full on web1', '{"alertname":"DiskFull"}', 1, 5,
  'e5', 3, 'firing', 2, '{"runbook_url":"http://rb"}', 'http://prom/graph', 1, NULL);
INSERT INTO alert_state VALUES ('fp-b', 'probe', 'warning', 'resolved', 'Slow on api', '{}', 1, 9, 'e9', 1, 'resolved', 9, '{}', NULL, 1, 9);
PRAGMA user_version = 1;`;

describe('store migration 2: alert_state as a rowid table', () => {
  it('R-ROUTE-3: an existing database keeps every alert state (what was seen and what the humans were told) when alert_state becomes a rowid table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-db-'));
    dirs.push(dir);
    const file = join(dir, 'vigil.db');
    const old = new BetterSqlite3(file);
    old.exec(OLD);
    old.close();

    const { db, report } = openDatabase(file);
    expect(report.appliedMigrations).toContain(2);
    const sql = (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'alert_state'`).get() as { sql: string }).sql;
    expect(sql).not.toMatch(/WITHOUT ROWID/i);
    expect(
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alert_state' AND name = 'alert_state_status'`).get(),
    ).toBeTruthy();
    const states = sqliteAlertStateStore(db);
    expect(states.get('fp-a')).toEqual({
      fingerprint: 'fp-a',
      source: 'alertmanager',
      severity: 'critical',
      status: 'firing',
      summary: 'Disk full on web1',
      labels: { alertname: 'DiskFull' },
      firstSeen: 1,
      lastSeen: 5,
      lastEventId: 'e5',
      count: 3,
      notifiedStatus: 'firing',
      notifiedAt: 2,
      annotations: { runbook_url: 'http://rb' },
      generatorURL: 'http://prom/graph',
      startsAt: 1,
      endsAt: null,
    });
    expect(states.firing()).toEqual({ info: 0, warning: 0, critical: 1 });
    // The upsert still finds the row by fingerprint: a repeat updates it, a new alert adds one.
    states.put({ ...states.get('fp-a')!, lastSeen: 7, count: 4 });
    states.put({ ...states.get('fp-b')!, fingerprint: 'fp-c', status: 'firing', severity: 'warning' });
    expect(db.prepare(`SELECT fingerprint, count, last_seen FROM alert_state ORDER BY fingerprint`).all()).toEqual([
      { fingerprint: 'fp-a', count: 4, last_seen: 7 },
      { fingerprint: 'fp-b', count: 1, last_seen: 9 },
      { fingerprint: 'fp-c', count: 1, last_seen: 9 },
    ]);
    db.close();
    // Opening again changes nothing (the migration ran once).
    const again = openDatabase(file);
    expect(again.report.appliedMigrations).toEqual([]);
    expect((again.db.prepare(`SELECT count(*) AS n FROM alert_state`).get() as { n: number }).n).toBe(3);
    again.db.close();
  });
});
