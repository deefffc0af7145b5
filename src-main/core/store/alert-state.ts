import type { Database } from 'better-sqlite3';
import type { AlertStatus, Severity } from '../../../src-shared/constants';
import { KeptState, stateKeeper } from './alert-state-kept';
import { fromJson, select, type JsonText } from './sql';

/** Dedupe state per fingerprint: what was last seen and what the humans were last told (R-ROUTE-3). */
export interface AlertState {
  fingerprint: string;
  source: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  labels: Record<string, string>;
  firstSeen: number;
  lastSeen: number;
  lastEventId: string;
  /** Events seen for this fingerprint since it (re)started firing. */
  count: number;
  notifiedStatus: AlertStatus | null;
  notifiedAt: number | null;
  /** The alert model (R-ALERT-1): annotations and the source's startsAt/endsAt as last sent. */
  annotations?: Record<string, string>;
  generatorURL?: string | null;
  startsAt?: number | null;
  endsAt?: number | null;
}

export interface AlertStateStore {
  get(fingerprint: string): AlertState | null;
  /**
   * The router, inside its deciding transaction: read the states of a batch's fingerprints in one statement (a storm's
   * first deliveries each missed with a SELECT of its own), remembering which have none until the next look-ahead
   * (null: the batch is done) or invalidate().
   */
  lookAhead(fingerprints: readonly string[] | null): void;
  put(s: AlertState): void;
  /** put() each state, the firing counts of the new ones added in one statement per severity (a deciding batch). */
  putMany(states: Iterable<AlertState | null>): void;
  /** Forget cached state (after a rolled-back transaction, or a write by another path). */
  invalidate(): void;
  /** Alerts currently firing, by severity (status tiles). */
  firing(): Record<Severity, number>;
  /** Fingerprints of one source currently firing (the poller resumes from these). */
  firingOf(source: string): string[];
  /** What matchers see of each alert firing at `now` (a silence shows how many it covers, R-ALERT-3). */
  firingLabels(now: number): Array<{ source: string; severity: Severity; labels: Record<string, string> }>;
  /**
   * The alert whose fingerprint is the greatest starting with `prefix` (one seek on the primary key): for
   * fingerprints that end in a sortable time, the latest (each sleep is its own alert, `vigil:sleep:<ISO time>`).
   */
  lastWithPrefix(prefix: string): { fingerprint: string; startsAt: number | null; endsAt: number | null } | null;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean => {
  if (a === b) return true;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

interface Row {
  fingerprint: string;
  source: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  labels: JsonText<Record<string, string>>;
  first_seen: number;
  last_seen: number;
  last_event_id: string;
  count: number;
  notified_status: AlertStatus | null;
  notified_at: number | null;
  annotations: JsonText<Record<string, string>>;
  generator_url: string | null;
  starts_at: number | null;
  ends_at: number | null;
}

const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

const toState = (r: Row): AlertState => ({
  fingerprint: r.fingerprint,
  source: r.source,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  labels: fromJson(r.labels),
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  lastEventId: r.last_event_id,
  count: r.count,
  notifiedStatus: r.notified_status,
  notifiedAt: r.notified_at,
  annotations: fromJson(r.annotations),
  generatorURL: r.generator_url,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
});

/**
 * SQLite store with a write-through cache in front of get(): the router is
 * the only writer of dedupe state, and a storm reads the same fingerprints
 * over and over. Bounded: the cache is dropped when it grows past `cacheMax`.
 */
export function sqliteAlertStateStore(db: Database, cacheMax = 50_000): AlertStateStore {
  /** Compact (KeptState) where the state allows, else a copy (alert-state-kept.ts). */
  const cache = new Map<string, KeptState | AlertState>();
  const keeper = stateKeeper();
  const kept = (s: AlertState): KeptState | AlertState => keeper.keep(s) ?? { ...s };
  const stateOf = (fp: string, c: KeptState | AlertState): AlertState => (c instanceof KeptState ? keeper.state(fp, c) : { ...c });
  /** Fingerprints the last look-ahead found without a state (only the deciding transaction inserts states). */
  const absent = new Set<string>();
  const get = select<Row>(db, `SELECT * FROM alert_state WHERE fingerprint = ?`);
  const many = select<Row>(db, `SELECT * FROM alert_state WHERE fingerprint IN (SELECT value FROM json_each(?))`);
  // A row is inserted only where none is (the statement says whether it did) and updated otherwise, so this store
  // knows which states are new: their firing counts are added here (one statement per severity a batch), not by a
  // trigger per inserted row. Changes of status or severity of a row are still counted by the update trigger.
  const insert = db.prepare(
    `INSERT INTO alert_state (fingerprint, source, severity, status, summary, labels, first_seen, last_seen, last_event_id, count, notified_status, notified_at,
       annotations, generator_url, starts_at, ends_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE alert_state SET source = ?, severity = ?, status = ?, summary = ?, labels = ?, first_seen = ?, last_seen = ?, last_event_id = ?,
       count = ?, notified_status = ?, notified_at = ?, annotations = ?, generator_url = ?, starts_at = ?, ends_at = ? WHERE fingerprint = ?`,
  );
  const addFiring = db.prepare(
    `INSERT INTO alert_firing (severity, n) VALUES (?, ?) ON CONFLICT (severity) DO UPDATE SET n = n + excluded.n`,
  );
  // A repeat changes only the counters (and the endsAt Prometheus moves on each resend): a narrow update
  // leaves the row's other columns and the status index alone.
  const touch = db.prepare(`UPDATE alert_state SET last_seen = ?, last_event_id = ?, count = ?, ends_at = ? WHERE fingerprint = ?`);
  const sameButCounters = (a: KeptState | AlertState, b: AlertState): boolean =>
    a instanceof KeptState ? keeper.sameButCounters(a, b, sameLabels) : sameAsCopy(a, b);
  const sameAsCopy = (a: AlertState, b: AlertState): boolean =>
    a.status === b.status &&
    a.severity === b.severity &&
    a.summary === b.summary &&
    a.firstSeen === b.firstSeen &&
    a.notifiedStatus === b.notifiedStatus &&
    a.notifiedAt === b.notifiedAt &&
    a.startsAt === b.startsAt &&
    a.generatorURL === b.generatorURL &&
    sameLabels(a.labels, b.labels) &&
    sameLabels(a.annotations ?? NONE, b.annotations ?? NONE);
  // Kept by triggers (events.tables.ts alert_firing): O(1) however many alerts fire.
  const firing = select<{ severity: Severity; n: number }>(db, `SELECT severity, n FROM alert_firing`);
  const firingOf = select<{ fingerprint: string }>(db, `SELECT fingerprint FROM alert_state WHERE status = 'firing' AND source = ?`);
  const firingLabels = select<{ source: string; severity: Severity; labels: JsonText<Record<string, string>> }>(
    db,
    `SELECT source, severity, labels FROM alert_state WHERE status = 'firing' AND (ends_at IS NULL OR ends_at > ?)`,
  );
  // The range [prefix, prefix + U+FFFF) on the primary key, newest (greatest) first.
  const lastWithPrefix = select<{ fingerprint: string; startsAt: number | null; endsAt: number | null }>(
    db,
    `SELECT fingerprint, starts_at AS startsAt, ends_at AS endsAt FROM alert_state
     WHERE fingerprint >= ? AND fingerprint < ? ORDER BY fingerprint DESC LIMIT 1`,
  );
  /** Store one state; true when it inserted a firing alert's row (the caller counts it). */
  const write = (s: AlertState): boolean => {
    absent.delete(s.fingerprint);
    const old = cache.get(s.fingerprint);
    const same = old !== undefined && sameButCounters(old, s);
    // Also when the clock has moved past what kept states count from (once in 12 days): they go with the old base.
    if (keeper.moved(s.lastSeen) || cache.size >= cacheMax) cache.clear();
    cache.set(s.fingerprint, kept(s));
    // A row gone meanwhile (deleted by another path) is inserted again below.
    if (same && touch.run(s.lastSeen, s.lastEventId, s.count, s.endsAt ?? null, s.fingerprint).changes) return false;
    const labels = JSON.stringify(s.labels);
    const annotations = JSON.stringify(s.annotations ?? NONE);
    const updated = (): boolean =>
      update.run(
        s.source,
        s.severity,
        s.status,
        s.summary,
        labels,
        s.firstSeen,
        s.lastSeen,
        s.lastEventId,
        s.count,
        s.notifiedStatus,
        s.notifiedAt,
        annotations,
        s.generatorURL ?? null,
        s.startsAt ?? null,
        s.endsAt ?? null,
        s.fingerprint,
      ).changes === 1;
    // Known to the cache: most likely there, so updated first; otherwise (a new alert) inserted first.
    if (old && updated()) return false;
    const inserted =
      insert.run(
        s.fingerprint,
        s.source,
        s.severity,
        s.status,
        s.summary,
        labels,
        s.firstSeen,
        s.lastSeen,
        s.lastEventId,
        s.count,
        s.notifiedStatus,
        s.notifiedAt,
        annotations,
        s.generatorURL ?? null,
        s.startsAt ?? null,
        s.endsAt ?? null,
      ).changes === 1;
    if (inserted) return s.status === 'firing';
    if (!old) updated();
    return false;
  };
  return {
    lastWithPrefix: (prefix) => lastWithPrefix.get(prefix, `${prefix}\uffff`) ?? null,
    get(fp) {
      const hit = cache.get(fp);
      if (hit) return stateOf(fp, hit);
      if (absent.has(fp)) return null;
      const r = get.get(fp);
      if (!r) return null;
      const s = toState(r);
      cache.set(fp, kept(s));
      return s;
    },
    lookAhead(fps) {
      absent.clear();
      if (!fps) return;
      if (cache.size + fps.length > cacheMax) cache.clear();
      const ask = fps.filter((fp) => !cache.has(fp));
      if (ask.length < 2) return; // one: its get asks
      for (const fp of ask) absent.add(fp);
      for (const r of many.all(JSON.stringify(ask))) {
        absent.delete(r.fingerprint);
        cache.set(r.fingerprint, kept(toState(r)));
      }
    },
    put(s) {
      if (write(s)) addFiring.run(s.severity, 1);
    },
    putMany(states) {
      let info = 0;
      let warning = 0;
      let critical = 0;
      try {
        for (const s of states) {
          if (!s || !write(s)) continue;
          if (s.severity === 'critical') critical++;
          else if (s.severity === 'warning') warning++;
          else info++;
        }
      } finally {
        // Also after a failed write: the rows inserted so far stay counted for as long as they stay.
        if (critical) addFiring.run('critical', critical);
        if (warning) addFiring.run('warning', warning);
        if (info) addFiring.run('info', info);
      }
    },
    invalidate() {
      cache.clear();
      absent.clear();
    },
    firing() {
      const out: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
      for (const r of firing.all()) out[r.severity] = r.n;
      return out;
    },
    firingOf: (source) => firingOf.all(source).map((r) => r.fingerprint),
    firingLabels: (now) =>
      firingLabels.all(now).map((r) => ({
        source: r.source,
        severity: r.severity,
        labels: fromJson(r.labels),
      })),
  };
}
