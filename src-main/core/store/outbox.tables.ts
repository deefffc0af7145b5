import type { TableSpec } from './spec';

/**
 * The durable notification outbox (R-NOTIFY-2/3): one row per message per
 * channel. Rows are never deleted by the outbox: failed and expired rows stay
 * visible. Ordering per channel is by id (AUTOINCREMENT never reuses ids).
 */
export const outboxTables: TableSpec[] = [
  {
    name: 'outbox',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      channel: 'TEXT NOT NULL',
      idem_key: 'TEXT NOT NULL',
      /** The Message as JSON. */
      message: 'TEXT NOT NULL',
      /** pending | sending | sent | failed | expired | digested */
      state: "TEXT NOT NULL DEFAULT 'pending'",
      attempts: 'INTEGER NOT NULL DEFAULT 0',
      next_attempt_at: 'INTEGER NOT NULL DEFAULT 0',
      last_error: 'TEXT',
      created_at: 'INTEGER NOT NULL',
      expires_at: 'INTEGER NOT NULL',
      sent_at: 'INTEGER',
      /** For state digested: the outbox row of the digest that carried this message. */
      digest_id: 'INTEGER',
    },
    indexes: {
      outbox_channel_key: 'UNIQUE ON outbox(channel, idem_key)',
      outbox_channel_state: 'ON outbox(channel, state, id)',
      outbox_digest: 'ON outbox(digest_id)',
      outbox_state_created: 'ON outbox(state, created_at)',
    },
  },
];
