import type { Database } from 'better-sqlite3';
import type { AlertStatus, Severity } from '../../../src-shared/constants';
import { fromJson, select, type JsonText } from './sql';

/** One alert as the alert model reads it (R-ALERT-1): dedupe state + its current acknowledgement + escalation. */
export interface AlertRow {
  fingerprint: string;
  source: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string | null;
  startsAt: number | null;
  endsAt: number | null;
  firstSeen: number;
  lastSeen: number;
  lastEventId: string;
  count: number;
  ack: { by: string; at: number; note: string | null } | null;
  escalated: boolean;
}

export interface AlertReadStore {
  /** Firing alerts, plus those resolved since `resolvedSince` (null: none). */
  list(resolvedSince: number | null): AlertRow[];
  /**
   * Changes whenever anything was written to the database since the last call, by this connection
   * (total_changes) or another one (data_version, e.g. the retention worker): a cache of what list()
   * gave may be reused only while this stays the same.
   */
  version(): string;
  /**
   * What these alerts are now (R-NOTIFY-2: a queued message is sent as that): status, when each last changed, and the
   * acknowledgement of its current firing; unknown ones are left out. One narrow statement for a batch of messages.
   */
  now(fingerprints: string[]): Map<string, AlertNowRow>;
}

/** An alert's status, when it last changed (for resolved: when it resolved) and the active acknowledgement of its current firing. */
export interface AlertNowRow {
  status: AlertStatus;
  changedAt: number;
  ack: { by: string; at: number } | null;
}

interface Row {
  fingerprint: string;
  source: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  labels: JsonText<Record<string, string>>;
  annotations: JsonText<Record<string, string>>;
  generator_url: string | null;
  starts_at: number | null;
  ends_at: number | null;
  first_seen: number;
  last_seen: number;
  last_event_id: string;
  count: number;
  acked_by: string | null;
  acked_at: number | null;
  ack_note: string | null;
  escalated: number;
}

/** Read side of the alert model; the router stays the only writer of alert_state. */
export function sqliteAlertReadStore(db: Database): AlertReadStore {
  // The ack counts only for the current firing (episode = first_seen); so does a fired escalation step.
  const list = select<Row>(
    db,
    `SELECT s.fingerprint, s.source, s.severity, s.status, s.summary, s.labels, s.annotations, s.generator_url, s.starts_at, s.ends_at,
            s.first_seen, s.last_seen, s.last_event_id, s.count,
            CASE WHEN a.state = 'active' AND a.episode = s.first_seen THEN a.acked_by END AS acked_by,
            CASE WHEN a.state = 'active' AND a.episode = s.first_seen THEN a.acked_at END AS acked_at,
            CASE WHEN a.state = 'active' AND a.episode = s.first_seen THEN a.note END AS ack_note,
            EXISTS (SELECT 1 FROM escalations e WHERE e.fingerprint = s.fingerprint AND e.episode = s.first_seen AND e.state = 'fired') AS escalated
       FROM alert_state s LEFT JOIN alert_acks a ON a.fingerprint = s.fingerprint
      WHERE s.status = 'firing' OR (? IS NOT NULL AND s.last_seen >= ?)`,
  );
  const now = select<{ fingerprint: string; status: AlertStatus; last_seen: number; acked_by: string | null; acked_at: number | null }>(
    db,
    `SELECT s.fingerprint, s.status, s.last_seen,
            CASE WHEN a.state = 'active' AND a.episode = s.first_seen THEN a.acked_by END AS acked_by,
            CASE WHEN a.state = 'active' AND a.episode = s.first_seen THEN a.acked_at END AS acked_at
       FROM alert_state s LEFT JOIN alert_acks a ON a.fingerprint = s.fingerprint
      WHERE s.fingerprint IN (SELECT value FROM json_each(?))`,
  );
  const changes = db.prepare('SELECT total_changes()').pluck();
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  return {
    version: () => `${String(changes.get())}:${String(dataVersion.get())}`,
    now(fps) {
      const out = new Map<string, AlertNowRow>();
      for (const r of now.all(JSON.stringify(fps)))
        out.set(r.fingerprint, {
          status: r.status,
          changedAt: r.last_seen,
          ack: r.acked_by !== null ? { by: r.acked_by, at: r.acked_at! } : null,
        });
      return out;
    },
    list(resolvedSince) {
      const rows = list.all(resolvedSince, resolvedSince);
      const out: AlertRow[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        out[i] = {
          fingerprint: r.fingerprint,
          source: r.source,
          severity: r.severity,
          status: r.status,
          summary: r.summary,
          labels: fromJson(r.labels),
          annotations: fromJson(r.annotations),
          generatorURL: r.generator_url,
          startsAt: r.starts_at,
          endsAt: r.ends_at,
          firstSeen: r.first_seen,
          lastSeen: r.last_seen,
          lastEventId: r.last_event_id,
          count: r.count,
          ack: r.acked_by !== null ? { by: r.acked_by, at: r.acked_at!, note: r.ack_note } : null,
          escalated: r.escalated === 1,
        };
      }
      return out;
    },
  };
}
