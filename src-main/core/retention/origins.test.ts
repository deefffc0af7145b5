import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, sqliteRetentionStore, sqliteStores, type Database, type EventOrigin, type NewEvent } from '../store';
import { prunePass, type RetentionPolicy } from './pass';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const policy: RetentionPolicy = {
  events: 90 * DAY,
  resolvedAlerts: null,
  deliveredOutbox: null,
  finishedPlans: null,
  smokeHistory: null,
  unreferencedMemory: null,
  audit: null,
};

function open(): { db: Database; stores: ReturnType<typeof sqliteStores> } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-origins-'));
  dirs.push(dir);
  const { db } = openDatabase(join(dir, 'vigil.db'));
  return { db, stores: sqliteStores(db) };
}

const origin = (group: string): EventOrigin => ({
  externalURL: 'http://am:9093',
  groupKey: `{}:{alertname="${group}"}`,
  receiver: 'vigil',
});
let n = 0;
const event = (group: string, receivedAt: number): NewEvent => ({
  id: `ev-${++n}`,
  source: 'alertmanager',
  fingerprint: `fp-${group}-${n}`,
  severity: 'warning',
  status: 'firing',
  summary: `${group} fired`,
  description: null,
  labels: { alertname: group },
  startsAt: receivedAt,
  endsAt: null,
  receivedAt,
  trace: [],
  origin: origin(group),
});

/** Decided the way the router stores events: inside one store transaction (its scope marks the origins at COMMIT). */
const decide = (stores: ReturnType<typeof sqliteStores>, evs: NewEvent[]) =>
  stores.transaction(() => evs.map((e) => stores.events.insertDecided(e, { outcome: 'notified', trace: [], triage: null, channels: [] })));

const origins = (db: Database) =>
  (db.prepare(`SELECT id, origin FROM event_origins ORDER BY id`).all() as Array<{ id: number; origin: string }>).map((r) => ({
    id: r.id,
    group: /alertname="(\w+)"/.exec((JSON.parse(r.origin) as EventOrigin).groupKey ?? '')?.[1],
  }));
const prune = (db: Database, now = NOW) =>
  prunePass(sqliteRetentionStore(db), { policy, now, batch: 2, maxBatches: 100, archiveFile: null });

describe('retention of Alertmanager origins (issue 17.3)', () => {
  it('R-SEC-4: an origin leaves with the last event that names it; one still named stays, and no id is ever given to another origin', () => {
    const { db, stores } = open();
    const old = NOW - 200 * DAY;
    decide(stores, [event('A', old), event('A', old + 1), event('B', old + 2), event('C', old + 3)]);
    decide(stores, [event('D', old + 4), event('E', old + 5)]);
    decide(stores, [event('F', old + 6)]); // F: the highest id, named by old events only
    const bNow = event('B', NOW - DAY);
    decide(stores, [bNow]); // B is still named by a recent event
    expect(origins(db).map((o) => o.group)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);

    const highest = origins(db).at(-1)!.id;
    const removed = prune(db);
    expect(removed.events).toBe(7);
    expect(removed.eventOrigins).toBe(4); // A, C, D, E (batches of 2)
    const left = origins(db);
    expect(left.map((o) => o.group)).toEqual(['B', 'F']);
    expect(stores.events.get(bNow.id)?.origin).toEqual(origin('B'));

    // A new origin gets an id after every id ever given (F, the highest, was kept for that): a cached id → text holds.
    decide(stores, [event('G', NOW)]);
    const g = origins(db).at(-1)!;
    expect(g.group).toBe('G');
    expect(g.id).toBeGreaterThan(highest);
    // F, named by no event and no longer the highest id, goes with the next pass.
    expect(prune(db).eventOrigins).toBe(1);
    expect(origins(db).map((o) => o.group)).toEqual(['B', 'G']);
  });

  it('R-SEC-4: an origin named again by a new event is kept although the events that first named it were pruned', () => {
    const { db, stores } = open();
    const old = NOW - 200 * DAY;
    decide(stores, [event('A', old), event('B', old + 1)]);
    decide(stores, [event('Z', old + 2)]); // the highest id, so A's fate is up to used_seq alone
    // Nearly a year later the same Alertmanager group fires again: the deciding transaction names A's row again.
    const aNow = event('A', NOW - DAY);
    decide(stores, [aNow]);
    const removed = prune(db);
    expect(removed.events).toBe(3);
    expect(origins(db).map((o) => o.group)).toEqual(['A', 'Z']);
    expect(stores.events.get(aNow.id)?.origin).toEqual(origin('A'));
  });

  it('R-SEC-4: origins written outside a transaction, and rows an older build left without used_seq, are kept while any event may name them', () => {
    const { db, stores } = open();
    const old = NOW - 200 * DAY;
    stores.events.insert([event('A', old), event('B', old + 1)]); // no transaction: each insert marks its own origin
    db.exec(`UPDATE events SET processed = 1`); // (rows stored this way wait in the inbox until decided)
    decide(stores, [event('C', old + 2), event('Z', NOW - 10 * DAY)]);
    db.exec(`UPDATE event_origins SET used_seq = NULL WHERE id = (SELECT id FROM event_origins ORDER BY id LIMIT 1 OFFSET 2)`); // C
    expect(db.prepare(`SELECT count(*) FROM event_origins WHERE used_seq IS NULL`).pluck().get()).toBe(1);
    // A, B go with their events; C (no used_seq: an older build's row) could be named by any event stored now, so it
    // stays until every one of them is gone.
    let removed = prune(db);
    expect(removed.events).toBe(3);
    expect(removed.eventOrigins).toBe(2);
    expect(origins(db).map((o) => o.group)).toEqual(['C', 'Z']);
    decide(stores, [event('Y', NOW + 50 * DAY)]); // an events row that stays after Z's is pruned
    removed = prune(db, NOW + 100 * DAY);
    expect(removed.events).toBe(1);
    expect(removed.eventOrigins).toBe(2); // C, then Z (no longer the highest id)
    expect(origins(db).map((o) => o.group)).toEqual(['Y']);
  });
});
