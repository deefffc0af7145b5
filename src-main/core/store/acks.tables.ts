import type { TableSpec } from './spec';

/**
 * Acknowledgements and escalation chains (R-ROUTE-8, R-NOTIFY-5).
 * `escalations` holds the durable timers: a row is armed with its due time
 * when the alert is notified, and fired (outbox rows + state) in one
 * transaction, so a crash neither loses nor double-fires a step.
 */
export const ackTables: TableSpec[] = [
  {
    // The current (or last) acknowledgement per fingerprint; ended ones are kept.
    name: 'alert_acks',
    columns: {
      fingerprint: 'TEXT PRIMARY KEY',
      /** first_seen of the firing episode that was acknowledged. */
      episode: 'INTEGER NOT NULL',
      severity: 'TEXT NOT NULL',
      acked_by: 'TEXT NOT NULL',
      acked_at: 'INTEGER NOT NULL',
      via: 'TEXT NOT NULL',
      note: 'TEXT',
      /** active | unacked | resolved */
      state: "TEXT NOT NULL DEFAULT 'active'",
      ended_at: 'INTEGER',
      ended_by: 'TEXT',
    },
    options: 'WITHOUT ROWID',
  },
  {
    // A number every write to alert_acks moves (triggers, so any connection's write does): the decider thread keeps
    // what it read of alert_acks across its transactions while this number stands (store/acks.ts), instead of asking
    // for every event's acknowledgement.
    name: 'alert_acks_version',
    columns: { id: 'INTEGER PRIMARY KEY CHECK (id = 1)', n: 'INTEGER NOT NULL' },
    extra: [
      `INSERT OR IGNORE INTO alert_acks_version (id, n) VALUES (1, 0)`,
      ...['INSERT', 'UPDATE', 'DELETE'].map(
        (op) => `CREATE TRIGGER IF NOT EXISTS alert_acks_version_${op.toLowerCase()} AFTER ${op} ON alert_acks BEGIN
           UPDATE alert_acks_version SET n = n + 1 WHERE id = 1;
         END`,
      ),
    ],
  },
  {
    // Append-only history: acks, un-acks, notes, resolutions.
    name: 'alert_ack_log',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      fingerprint: 'TEXT NOT NULL',
      at: 'INTEGER NOT NULL',
      by: 'TEXT NOT NULL',
      via: 'TEXT NOT NULL',
      action: 'TEXT NOT NULL',
      note: 'TEXT',
    },
    indexes: { alert_ack_log_fp: 'ON alert_ack_log(fingerprint, id)' },
  },
  {
    // Short ids for Telegram callback_data (≤ 64 bytes) → fingerprint.
    name: 'ack_refs',
    columns: { ref: 'TEXT PRIMARY KEY', fingerprint: 'TEXT NOT NULL' },
    options: 'WITHOUT ROWID',
  },
  {
    name: 'escalations',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      fingerprint: 'TEXT NOT NULL',
      episode: 'INTEGER NOT NULL',
      step: 'INTEGER NOT NULL',
      steps: 'INTEGER NOT NULL',
      after_ms: 'INTEGER NOT NULL',
      channels: "TEXT NOT NULL DEFAULT '[]'",
      /** The event whose notification started the chain, and the channels it went to. */
      event_id: 'TEXT NOT NULL',
      notified_channels: "TEXT NOT NULL DEFAULT '[]'",
      notified_at: 'INTEGER NOT NULL',
      due_at: 'INTEGER NOT NULL',
      /** armed | fired | cancelled */
      state: "TEXT NOT NULL DEFAULT 'armed'",
      fired_at: 'INTEGER',
      late: 'INTEGER NOT NULL DEFAULT 0',
      late_reason: 'TEXT',
      cancelled_at: 'INTEGER',
      cancel_reason: 'TEXT',
      /** Set when an un-acknowledgement armed the step again. */
      rearmed_at: 'INTEGER',
      rearmed_by: 'TEXT',
    },
    indexes: {
      escalations_step: 'UNIQUE ON escalations(fingerprint, episode, step)',
      escalations_due: 'ON escalations(state, due_at)',
    },
  },
];
