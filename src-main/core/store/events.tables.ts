import type { TableSpec } from './spec';

/**
 * The router's tables. `events` is also the durable inbox: a row with
 * processed = 0 was acknowledged (202) but has not been through the
 * pipeline yet; start-up replays those (R-ROUTE-2).
 */
export const eventTables: TableSpec[] = [
  {
    name: 'events',
    columns: {
      seq: 'INTEGER PRIMARY KEY',
      id: 'TEXT NOT NULL',
      source: 'TEXT NOT NULL',
      fingerprint: 'TEXT NOT NULL',
      severity: 'TEXT NOT NULL',
      status: 'TEXT NOT NULL',
      summary: 'TEXT NOT NULL',
      description: 'TEXT',
      labels: "TEXT NOT NULL DEFAULT '{}'",
      starts_at: 'INTEGER',
      ends_at: 'INTEGER',
      received_at: 'INTEGER NOT NULL',
      annotations: "TEXT NOT NULL DEFAULT '{}'",
      generator_url: 'TEXT',
      origin: 'TEXT',
      processed: 'INTEGER NOT NULL DEFAULT 0',
      outcome: 'TEXT',
      trace: "TEXT NOT NULL DEFAULT '[]'",
      triage: 'TEXT',
      channels: "TEXT NOT NULL DEFAULT '[]'",
    },
    // Every list filter walks one of these newest-first (seq DESC), so a page stays cheap at 100k+ rows.
    indexes: {
      events_id: 'UNIQUE ON events(id)',
      events_inbox: 'ON events(seq) WHERE processed = 0',
      events_severity: 'ON events(severity, seq)',
      events_source: 'ON events(source, seq)',
      events_fingerprint: 'ON events(fingerprint, seq)',
      events_received: 'ON events(received_at)',
    },
  },
  {
    // The durable intake inbox (R-ROUTE-2): one row per HTTP group commit, holding the accepted,
    // normalised events (ids already assigned) as one JSON blob. The 202 waits only for this row;
    // a worker turns it into `events` rows and deletes it in ONE transaction, so a row present
    // means "acknowledged, not processed yet" and start-up replays what is left, in seq order.
    name: 'intake_batches',
    columns: {
      seq: 'INTEGER PRIMARY KEY',
      received_at: 'INTEGER NOT NULL',
      via: 'TEXT NOT NULL',
      n: 'INTEGER NOT NULL',
      events: 'TEXT NOT NULL',
    },
    indexes: {},
  },
  {
    // Dedupe state per fingerprint: what was last seen and what the humans were last told.
    name: 'alert_state',
    columns: {
      fingerprint: 'TEXT PRIMARY KEY',
      source: 'TEXT NOT NULL',
      severity: 'TEXT NOT NULL',
      status: 'TEXT NOT NULL',
      summary: 'TEXT NOT NULL',
      labels: "TEXT NOT NULL DEFAULT '{}'",
      first_seen: 'INTEGER NOT NULL',
      last_seen: 'INTEGER NOT NULL',
      last_event_id: 'TEXT NOT NULL',
      count: 'INTEGER NOT NULL DEFAULT 1',
      notified_status: 'TEXT',
      notified_at: 'INTEGER',
      // The alert model (R-ALERT-1): the source's own times and annotations, as last sent.
      annotations: "TEXT NOT NULL DEFAULT '{}'",
      generator_url: 'TEXT',
      starts_at: 'INTEGER',
      ends_at: 'INTEGER',
    },
    // A rowid table (migration 2): a new alert's row is appended and only the small fingerprint index takes a random
    // page; clustered by fingerprint (WITHOUT ROWID) every new alert of a storm split a random fat page, and the
    // status index held the fingerprint too: 1.9 of the 3.8 pages a first delivery wrote to the WAL (bench router a').
    indexes: { alert_state_status: 'ON alert_state(status, severity)' },
  },
  {
    name: 'silences',
    columns: {
      id: 'TEXT PRIMARY KEY',
      matchers: 'TEXT NOT NULL',
      starts_at: 'INTEGER NOT NULL',
      ends_at: 'INTEGER NOT NULL',
      created_by: 'TEXT NOT NULL',
      comment: 'TEXT NOT NULL',
      created_at: 'INTEGER NOT NULL',
      expired_at: 'INTEGER',
    },
    indexes: { silences_ends: 'ON silences(ends_at)' },
  },
];
