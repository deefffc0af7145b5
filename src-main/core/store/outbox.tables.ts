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
      /** pending | sending | sent | failed | expired | digested | dropped | held (a follow-up waiting for its incident's digest) */
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
  {
    /**
     * Incident threads per channel (R-NOTIFY-8): the provider's id of the message that shows the incident
     * (Telegram message_id, desktop tag), so follow-ups are folded into it. Written in the transaction that
     * settles the send; a closed or idle thread is pruned after a week.
     */
    name: 'outbox_thread',
    columns: {
      channel: 'TEXT NOT NULL',
      thread: 'TEXT NOT NULL',
      ref: 'TEXT',
      opened_at: 'INTEGER NOT NULL',
      updated_at: 'INTEGER NOT NULL',
      closed_at: 'INTEGER',
      /** worst severity so far */
      severity: 'TEXT NOT NULL',
      /** JSON: what the thread said so far, one line each (newest last, bounded) and the buttons it carries */
      body: 'TEXT NOT NULL',
      /** new messages and folded follow-ups sent in this thread */
      messages: 'INTEGER NOT NULL DEFAULT 0',
      folded: 'INTEGER NOT NULL DEFAULT 0',
    },
    constraints: ['PRIMARY KEY (channel, thread)'],
    indexes: { outbox_thread_updated: 'ON outbox_thread(updated_at)' },
    options: 'WITHOUT ROWID',
  },
];
