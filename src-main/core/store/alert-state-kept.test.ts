import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAlertStateStore, type AlertState } from './alert-state';
import { openDatabase, type Database } from './db';

const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** A real vigil.db; `again` opens the same file (a restart: a new connection and an empty cache). */
function file() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kept-'));
  dirs.push(dir);
  const open = () => {
    const { db } = openDatabase(join(dir, 'vigil.db'));
    dbs.push(db);
    return { db, states: sqliteAlertStateStore(db) };
  };
  return open;
}

const T0 = Date.UTC(2026, 11, 3, 21, 0, 0);
const DAY = 86_400_000;
const state = (fp: string, o: Partial<AlertState> = {}): AlertState => ({
  fingerprint: fp,
  source: 'alertmanager',
  severity: 'warning',
  status: 'firing',
  summary: `summary of ${fp}`,
  labels: { alertname: 'DiskFull', instance: fp },
  firstSeen: T0,
  lastSeen: T0 + 5,
  lastEventId: `ev-${fp}`,
  count: 3,
  notifiedStatus: 'firing',
  notifiedAt: T0 + 1,
  annotations: { summary: `summary of ${fp}` },
  generatorURL: 'http://prometheus.local/graph',
  startsAt: T0 - 60_000,
  endsAt: null,
  ...o,
});

/** Every shape a state takes: each enum value, null and set times, and times the compact form cannot hold. */
const shapes = (at: number): AlertState[] => [
  state('a', { lastSeen: at }),
  state('b', { lastSeen: at, severity: 'critical', notifiedStatus: null, notifiedAt: null }),
  state('c', { lastSeen: at, severity: 'info', status: 'resolved', notifiedStatus: 'resolved', endsAt: at, count: 1 }),
  state('d', { lastSeen: at, status: 'resolved', notifiedStatus: 'firing', endsAt: at - 3, generatorURL: null, source: 'probe' }),
  state('e', { lastSeen: at, startsAt: at - 400 * DAY, firstSeen: at - 30 * DAY }), // started long before: kept as a copy
  state('f', { lastSeen: at + 0.5, notifiedAt: 1.25 }), // not whole milliseconds: kept as a copy
  state('g', { lastSeen: at, annotations: {}, labels: {} }),
  state('h', { lastSeen: at, count: 2 ** 40 }),
];

describe('the alert-state cache keeps states compactly (R-SCALE-44)', () => {
  it('R-SCALE-44, R-ROUTE-3: every state reads back exactly as put, from the cache, after repeats that change only counters, and after a restart (the rows)', () => {
    const open = file();
    const { db, states } = open();
    const put = shapes(T0 + 10);
    db.transaction(() => states.putMany(put))();
    for (const s of put) expect(states.get(s.fingerprint)).toStrictEqual(s);
    // A repeat: only the counters move (the narrow UPDATE), then a change that is not (notified, severity).
    const again = put.map((s) => ({ ...s, lastSeen: s.lastSeen + 7, lastEventId: `${s.lastEventId}-2`, count: s.count + 1 }));
    db.transaction(() => states.putMany(again))();
    for (const s of again) expect(states.get(s.fingerprint)).toStrictEqual(s);
    const told = again.map((s) => ({ ...s, notifiedStatus: 'firing' as const, notifiedAt: s.lastSeen, severity: 'critical' as const }));
    db.transaction(() => states.putMany(told))();
    for (const s of told) expect(states.get(s.fingerprint)).toStrictEqual(s);
    // A state got is the caller's own: changing it changes nothing kept.
    const got = states.get('a')!;
    got.count = 99;
    got.notifiedStatus = null;
    expect(states.get('a')).toStrictEqual(told[0]);
    db.close();
    dbs.splice(dbs.indexOf(db), 1);
    const after = open().states;
    for (const s of told) expect(after.get(s.fingerprint)).toStrictEqual(s);
    // Read back through the look-ahead (one statement for a batch) too.
    const ahead = open().states;
    ahead.lookAhead(told.map((s) => s.fingerprint));
    for (const s of told) expect(ahead.get(s.fingerprint)).toStrictEqual(s);
  });

  it('R-SCALE-44: the clock moving on by weeks (past what the compact form counts from) leaves every state right', () => {
    const open = file();
    const { db, states } = open();
    const first = shapes(T0);
    db.transaction(() => states.putMany(first))();
    const later = T0 + 20 * DAY;
    const next = [state('late', { firstSeen: later, lastSeen: later, startsAt: later }), ...shapes(later + 40 * DAY).slice(0, 3)];
    db.transaction(() => states.putMany(next))();
    for (const s of [...first.slice(3), ...next]) expect(states.get(s.fingerprint)).toStrictEqual(s);
    // A repeat of an old state at the new time: only its counters move.
    const old = { ...first[3]!, lastSeen: later + 41 * DAY, count: 9 };
    db.transaction(() => states.put(old))();
    expect(states.get('d')).toStrictEqual(old);
    expect(open().states.get('d')).toStrictEqual(old);
  });

  it('R-SCALE-44: a state missing its optional fields reads back without them until a restart reads the row', () => {
    const open = file();
    const { db, states } = open();
    const bare = state('bare');
    delete bare.annotations;
    delete bare.generatorURL;
    delete bare.startsAt;
    delete bare.endsAt;
    db.transaction(() => states.put(bare))();
    expect(states.get('bare')).toStrictEqual(bare);
    expect(open().states.get('bare')).toStrictEqual({ ...bare, annotations: {}, generatorURL: null, startsAt: null, endsAt: null });
  });

  it('R-SCALE-44: what the cache holds for a new alert, after a full GC, with its labels, annotations and map entry, is under 400 bytes (~305; a copy with its four heap numbers and its own source, URL and alertname strings was ~530)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { db, states } = file()();
    const n = 30_000;
    // Fingerprints, summaries and event ids are the alerts' own whoever keeps them: made first, outside the figure.
    const fps = Array.from({ length: n }, (_, i) => `fp-${i}-${'x'.repeat(i % 3)}`);
    const ids = fps.map((fp) => `ev-${fp}`);
    const summaries = fps.map((fp) => `summary of ${fp}`);
    // As a storm's parsed events bring them: each alert its own labels and annotations objects and its own copies of
    // the strings its rule shares with the alerts before it (10 alerts a rule).
    const fresh = (s: string) => JSON.parse(JSON.stringify(s)) as string;
    const make = (i: number, now: number): AlertState => ({
      fingerprint: fps[i]!,
      source: fresh('alertmanager'),
      severity: i % 10 ? 'warning' : 'critical',
      status: 'firing',
      summary: summaries[i]!,
      labels: { alertname: fresh(`BenchAlert${Math.floor(i / 10)}`), instance: fps[i]!, round: '0' },
      firstSeen: now,
      lastSeen: now,
      lastEventId: ids[i]!,
      count: 1,
      notifiedStatus: 'firing',
      notifiedAt: now,
      annotations: { summary: summaries[i]! },
      generatorURL: fresh('http://prometheus.local/graph'),
      startsAt: now - 1_000,
      endsAt: null,
    });
    // Warm: the store's code and statements, then the cache emptied (a full cache is dropped, as the store does).
    db.transaction(() => states.putMany(Array.from({ length: 100 }, (_, i) => make(i, T0))))();
    states.invalidate();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let b = 0; b < n; b += 1_000)
      db.transaction(() => states.putMany(Array.from({ length: 1_000 }, (_, k) => make(b + k, T0 + 1_000 + b + k))))();
    gc();
    const perAlert = (process.memoryUsage().heapUsed - before) / n;
    expect(states.get(fps[n - 1]!)?.lastSeen).toBe(T0 + 1_000 + n - 1);
    expect(perAlert).toBeLessThan(400);
  });
});
