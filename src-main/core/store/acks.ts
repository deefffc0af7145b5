import type { Database } from 'better-sqlite3';
import type { Severity } from '../../../src-shared/constants';
import { select } from './sql';
import { TxScope } from './tx-scope';

export type AckState = 'active' | 'unacked' | 'resolved';
export type AckAction = 'ack' | 'unack' | 'note' | 'resolved';

/** The acknowledgement of one firing episode of an alert (R-ROUTE-8). */
export interface Ack {
  fingerprint: string;
  /** firstSeen of the acknowledged firing; a new firing after resolution starts un-acknowledged. */
  episode: number;
  /** Severity when acknowledged: a rise notifies again. */
  severity: Severity;
  by: string;
  at: number;
  via: string;
  note: string | null;
  state: AckState;
  endedAt: number | null;
  endedBy: string | null;
}

export interface AckLogEntry {
  fingerprint: string;
  at: number;
  by: string;
  via: string;
  action: AckAction;
  note: string | null;
}

export interface AckStore {
  get(fingerprint: string): Ack | null;
  /**
   * Inside a transaction: read the acknowledgements of these alerts (nearly always none) in one statement and remember
   * them as get() does, so a storm's first deliveries do not ask one by one (one SELECT each before).
   */
  lookAhead(fingerprints: readonly string[]): void;
  /** Insert or replace the acknowledgement of a fingerprint. */
  put(a: Ack): void;
  /** End an active acknowledgement; false if none was active. */
  end(fingerprint: string, state: Exclude<AckState, 'active'>, at: number, by: string | null): boolean;
  /** Append to the history; returns the entry's id (an acknowledgement's id, for idempotency keys). */
  log(e: AckLogEntry): number;
  /** Newest first. */
  history(fingerprint: string, limit?: number): AckLogEntry[];
  /** Fingerprints with an active acknowledgement among `fps`. */
  activeAmong(fps: string[]): Set<string>;
  /** Alerts firing now (most severe, newest first) with whether their current firing is acknowledged. */
  openAlerts(limit: number, unacknowledgedOnly: boolean): OpenAlertRow[];
  rememberRef(ref: string, fingerprint: string): void;
  fingerprintOf(ref: string): string | null;
}

export interface OpenAlertRow {
  fingerprint: string;
  severity: Severity;
  summary: string;
  firstSeen: number;
  lastEventId: string;
  acknowledged: boolean;
}

interface Row {
  fingerprint: string;
  episode: number;
  severity: Severity;
  acked_by: string;
  acked_at: number;
  via: string;
  note: string | null;
  state: AckState;
  ended_at: number | null;
  ended_by: string | null;
}

const toAck = (r: Row): Ack => ({
  fingerprint: r.fingerprint,
  episode: r.episode,
  severity: r.severity,
  by: r.acked_by,
  at: r.acked_at,
  via: r.via,
  note: r.note,
  state: r.state,
  endedAt: r.ended_at,
  endedBy: r.ended_by,
});

/** Acknowledgements remembered across transactions; past this the memory starts again. */
const KNOWN_MAX = 100_000;

/**
 * Inside a transaction an alert's acknowledgement (or that it has none, nearly always) is read from SQLite once and
 * then remembered across transactions for as long as alert_acks_version stands: a write to alert_acks by any
 * connection moves it (triggers), and the first read in each transaction compares it, so the decider's storm asks
 * for one number a transaction instead of every event's acknowledgement. A transaction holds the write lock from
 * BEGIN, so nothing moves under it. This store's own writes forget everything: what a transaction that wrote reads
 * back may yet roll back. Outside a transaction every read asks SQLite. While the table holds no row at all (a
 * storm's usual case) one statement a version says so and nothing is remembered alert by alert.
 */
export function sqliteAckStore(db: Database, scope = new TxScope()): AckStore {
  const s = {
    get: select<Row>(db, `SELECT * FROM alert_acks WHERE fingerprint = ?`),
    many: select<Row>(db, `SELECT * FROM alert_acks WHERE fingerprint IN (SELECT value FROM json_each(?))`),
    version: select<{ n: number }>(db, `SELECT n FROM alert_acks_version WHERE id = 1`),
    any: select<{ one: number }>(db, `SELECT 1 AS one FROM alert_acks LIMIT 1`),
    put: db.prepare(
      `INSERT OR REPLACE INTO alert_acks (fingerprint, episode, severity, acked_by, acked_at, via, note, state, ended_at, ended_by)
       VALUES (@fingerprint, @episode, @severity, @by, @at, @via, @note, @state, @endedAt, @endedBy)`,
    ),
    end: db.prepare(`UPDATE alert_acks SET state = ?, ended_at = ?, ended_by = ? WHERE fingerprint = ? AND state = 'active'`),
    log: db.prepare(
      `INSERT INTO alert_ack_log (fingerprint, at, by, via, action, note) VALUES (@fingerprint, @at, @by, @via, @action, @note)`,
    ),
    history: select<AckLogEntry>(
      db,
      `SELECT fingerprint, at, by, via, action, note FROM alert_ack_log WHERE fingerprint = ? ORDER BY id DESC LIMIT ?`,
    ),
    active: select<{ fingerprint: string }>(
      db,
      `SELECT fingerprint FROM alert_acks WHERE state = 'active' AND fingerprint IN (SELECT value FROM json_each(?))`,
    ),
    open: select<Omit<OpenAlertRow, 'acknowledged'> & { acknowledged: number | null }>(
      db,
      `SELECT s.fingerprint, s.severity, s.summary, s.first_seen AS firstSeen, s.last_event_id AS lastEventId,
              (a.state = 'active' AND a.episode = s.first_seen) AS acknowledged
         FROM alert_state s LEFT JOIN alert_acks a ON a.fingerprint = s.fingerprint
        WHERE s.status = 'firing' AND (? = 0 OR coalesce(a.state = 'active' AND a.episode = s.first_seen, 0) = 0)
        ORDER BY CASE s.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, s.last_seen DESC
        LIMIT ?`,
    ),
    ref: db.prepare(`INSERT OR IGNORE INTO ack_refs (ref, fingerprint) VALUES (?, ?)`),
    fpOf: select<{ fingerprint: string }>(db, `SELECT fingerprint FROM ack_refs WHERE ref = ?`),
  };
  const known = new Map<string, Ack | null>();
  let knownAt = -1; // alert_acks_version when `known` was true; -1: unknown
  // Whether alert_acks holds no row at all at knownAt (null: not asked yet). Then every acknowledgement asked for is
  // none without remembering each (a storm's new alerts filled `known` with a null per fingerprint, and asked SQLite).
  let empty: boolean | null = null;
  const none = (): boolean => (empty ??= !s.any.get());
  /** `known`, checked against the version once a transaction; undefined outside one. */
  const remembered = (): Map<string, Ack | null> | undefined => {
    const checked = scope.memo<true>('ack-version');
    if (!checked) return undefined;
    if (!checked.size) {
      checked.set('', true);
      const v = s.version.get()?.n ?? -1;
      if (v !== knownAt || known.size >= KNOWN_MAX) {
        known.clear();
        empty = null;
      }
      knownAt = v;
    }
    return known;
  };
  const forget = () => {
    known.clear();
    knownAt = -1;
    empty = false; // asked again, row by row, for the rest of this transaction
  };
  return {
    get(fp) {
      const m = remembered();
      if (m && none()) return null;
      const hit = m?.get(fp);
      if (hit !== undefined) return hit && { ...hit };
      const r = s.get.get(fp);
      const a = r ? toAck(r) : null;
      m?.set(fp, a && { ...a });
      return a;
    },
    lookAhead(fps) {
      const m = remembered();
      if (!m || none()) return;
      const ask = fps.filter((fp) => !m.has(fp));
      if (ask.length < 2) return; // one: its get asks
      for (const fp of ask) m.set(fp, null);
      for (const r of s.many.all(JSON.stringify(ask))) m.set(r.fingerprint, toAck(r));
    },
    put(a) {
      forget();
      s.put.run(a);
    },
    end(fp, state, at, by) {
      forget();
      return s.end.run(state, at, by, fp).changes === 1;
    },
    log: (e) => Number(s.log.run(e).lastInsertRowid),
    history: (fp, limit = 200) => s.history.all(fp, limit),
    activeAmong: (fps) => new Set(s.active.all(JSON.stringify(fps)).map((r) => r.fingerprint)),
    openAlerts: (limit, unackedOnly) =>
      s.open.all(unackedOnly ? 1 : 0, limit).map((r) => ({
        ...r,
        acknowledged: r.acknowledged === 1,
      })),
    rememberRef: (ref, fp) => void s.ref.run(ref, fp),
    fingerprintOf: (ref) => s.fpOf.get(ref)?.fingerprint ?? null,
  };
}
