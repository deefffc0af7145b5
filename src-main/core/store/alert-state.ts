import type { Database } from 'better-sqlite3';
import type { AlertStatus, Severity } from '../../../src-shared/constants';

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
}

export interface AlertStateStore {
  get(fingerprint: string): AlertState | null;
  put(s: AlertState): void;
  /** Alerts currently firing, by severity (status tiles). */
  firing(): Record<Severity, number>;
  /** Fingerprints of one source currently firing (the poller resumes from these). */
  firingOf(source: string): string[];
}

interface Row {
  fingerprint: string;
  source: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  labels: string;
  first_seen: number;
  last_seen: number;
  last_event_id: string;
  count: number;
  notified_status: AlertStatus | null;
  notified_at: number | null;
}

export function sqliteAlertStateStore(db: Database): AlertStateStore {
  const get = db.prepare(`SELECT * FROM alert_state WHERE fingerprint = ?`);
  const put = db.prepare(
    `INSERT OR REPLACE INTO alert_state (fingerprint, source, severity, status, summary, labels, first_seen, last_seen, last_event_id, count, notified_status, notified_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const firing = db.prepare(`SELECT severity, count(*) AS n FROM alert_state WHERE status = 'firing' GROUP BY severity`);
  const firingOf = db.prepare(`SELECT fingerprint FROM alert_state WHERE status = 'firing' AND source = ?`);
  return {
    get(fp) {
      const r = get.get(fp) as Row | undefined;
      if (!r) return null;
      return {
        fingerprint: r.fingerprint,
        source: r.source,
        severity: r.severity,
        status: r.status,
        summary: r.summary,
        labels: JSON.parse(r.labels) as Record<string, string>,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        lastEventId: r.last_event_id,
        count: r.count,
        notifiedStatus: r.notified_status,
        notifiedAt: r.notified_at,
      };
    },
    put(s) {
      put.run(s.fingerprint, s.source, s.severity, s.status, s.summary, JSON.stringify(s.labels), s.firstSeen, s.lastSeen, s.lastEventId, s.count, s.notifiedStatus, s.notifiedAt);
    },
    firing() {
      const out: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
      for (const r of firing.all() as Array<{ severity: Severity; n: number }>) out[r.severity] = r.n;
      return out;
    },
    firingOf: (source) => (firingOf.all(source) as Array<{ fingerprint: string }>).map((r) => r.fingerprint),
  };
}
