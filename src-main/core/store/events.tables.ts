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
      // The event_origins row of an Alertmanager webhook's event; `origin` (the JSON text) only in rows from before it.
      origin_id: 'INTEGER',
    },
    // Every list filter walks one of these newest-first (seq DESC), so a page stays cheap at 100k+ rows. No index by
    // fingerprint (migration 4 drops it): its one reader was an incident's raw-record export, while every first delivery
    // put its fingerprint at a random place of it: 1.09 of an insert's 1.22 WAL pages and half its CPU onto 200,000
    // rows (`npm run bench -- events-indexes`). The export finds its members' events in its time window instead, by
    // events_received, which holds the fingerprint for that (the scan reads no row of another alert's event).
    indexes: {
      events_id: 'UNIQUE ON events(id)',
      events_inbox: 'ON events(seq) WHERE processed = 0',
      events_severity: 'ON events(severity, seq)',
      events_source: 'ON events(source, seq)',
      events_received: 'ON events(received_at, fingerprint)',
    },
  },
  {
    // Where Alertmanager webhooks came from (externalURL, groupKey, receiver), each once: an events row's `origin_id`
    // names its row here (rows written before hold the JSON text in `origin`). The same for every alert of a request
    // and of an Alertmanager group, it was 105 of a first delivery's 1.2 KB row. An id read committed names the same
    // origin for ever (store/events.ts caches them): a row's text never changes, and retention deletes a row only once
    // no events row names it (`used_seq`, the highest seq that may, is below every stored seq) and never the highest
    // id, so SQLite never hands a deleted id out again.
    name: 'event_origins',
    columns: { id: 'INTEGER PRIMARY KEY', origin: 'TEXT NOT NULL', used_seq: 'INTEGER' },
    indexes: { event_origins_text: 'UNIQUE ON event_origins(origin)' },
  },
  {
    // How far the intake inbox (inbox.db, store/inbox.ts) is decided. `decided` is written in the deciding
    // transaction itself, so a batch's effects and "decided" commit together: exactly once across the two files.
    // `synced` is written by a later fsynced commit: inbox rows up to it may be deleted (InboxStore.markSynced).
    // (Before the inbox had a file of its own, its rows were `intake_batches` here: a data dir upgraded with rows
    // left in it has them decided at start-up, each in the transaction that deletes it, then the table dropped.)
    name: 'inbox_cursor',
    columns: { id: 'INTEGER PRIMARY KEY CHECK (id = 1)', decided: 'INTEGER NOT NULL', synced: 'INTEGER NOT NULL' },
    extra: [`INSERT OR IGNORE INTO inbox_cursor (id, decided, synced) VALUES (1, 0, 0)`],
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
    // Alerts firing now, by severity, kept in the same transaction as each change: the status snapshot (every SSE
    // connect, every 5 s tick) reads three rows instead of counting the firing alerts (50,000 in bench health's
    // storm: ~5-9 ms of the main thread per snapshot). Migration 3 counts once. A row's deletion and its changes of
    // status or severity are counted by triggers; a new row by the alert-state store that inserts it (store/alert-
    // state.ts putMany: one statement per severity a deciding batch, where a trigger ran one per new alert, ~1.3 µs).
    // Inserting into alert_state by any other way would leave the count short: only that store inserts.
    name: 'alert_firing',
    columns: { severity: 'TEXT PRIMARY KEY', n: 'INTEGER NOT NULL' },
    extra: [
      // Builds before R-SCALE-27 counted inserts by this trigger (an older build that opens the file makes it again).
      `DROP TRIGGER IF EXISTS alert_firing_insert`,
      `CREATE TRIGGER IF NOT EXISTS alert_firing_delete AFTER DELETE ON alert_state WHEN old.status = 'firing' BEGIN
         UPDATE alert_firing SET n = n - 1 WHERE severity = old.severity;
       END`,
      `CREATE TRIGGER IF NOT EXISTS alert_firing_update AFTER UPDATE OF status, severity ON alert_state
       WHEN (old.status = 'firing' OR new.status = 'firing') AND (old.status IS NOT new.status OR old.severity IS NOT new.severity) BEGIN
         UPDATE alert_firing SET n = n - 1 WHERE old.status = 'firing' AND severity = old.severity;
         INSERT INTO alert_firing (severity, n) SELECT new.severity, 1 WHERE new.status = 'firing'
           ON CONFLICT (severity) DO UPDATE SET n = n + 1;
       END`,
    ],
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
