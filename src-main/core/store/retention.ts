import type { AuditRow } from './audit';
import type { Database } from './db';
import { counter, select } from './sql';

/**
 * What retention may delete, kind by kind (issue 17.3). Each kind names its rows older than a cutoff
 * through an index on its time column, and never touches live work: unprocessed events, queued
 * messages, running or waiting plans, firing alerts, flagged memory. Audit rows are not here: they are
 * archived, never deleted silently (see pruneAudit*).
 */
export const RETENTION_KINDS = {
  events: { table: 'events', key: 'seq', where: 'received_at < @before AND processed = 1', order: 'received_at' },
  resolvedAlerts: { table: 'alert_state', key: 'fingerprint', where: "status = 'resolved' AND last_seen < @before", order: 'last_seen' },
  deliveredOutbox: { table: 'outbox', key: 'id', where: "state IN ('sent', 'digested') AND created_at < @before", order: 'created_at' },
  finishedPlans: {
    table: 'plans',
    key: 'id',
    where: "status IN ('succeeded', 'failed', 'cancelled') AND updated_at < @before",
    order: 'updated_at',
  },
  smokeHistory: { table: 'smoke_history', key: 'id', where: 'at < @before', order: 'at' },
  unreferencedMemory: { table: 'insights', key: 'id', where: "updated_at < @before AND flags = '[]' AND ref IS NULL", order: 'updated_at' },
} as const;

export type RetentionKind = keyof typeof RETENTION_KINDS;
export const retentionKinds = Object.keys(RETENTION_KINDS) as RetentionKind[];

export interface RetentionStore {
  /** How many rows of a kind are older than the cutoff (what the next passes will remove). */
  countOlder(kind: RetentionKind, before: number): number;
  /** Delete up to `limit` of the oldest such rows in one short transaction; returns how many. */
  pruneBatch(kind: RetentionKind, before: number, limit: number): number;
  /** Audit rows older than the cutoff, oldest first, that are not archived yet. */
  auditToArchive(before: number, limit: number): AuditRow[];
  /** After the rows up to `id` are safely in the archive file: mark them archived and delete them. */
  auditDropArchived(id: number): number;
  auditArchivedUpTo(): number;
  countAuditOlder(before: number): number;
  /** Delete up to `limit` Alertmanager origins (event_origins) that no stored event names any more; returns how many. */
  pruneOrigins(limit: number): number;
}

export function sqliteRetentionStore(db: Database): RetentionStore {
  const count = new Map<RetentionKind, (params: { before: number }) => number>();
  const prune = new Map<RetentionKind, ReturnType<Database['prepare']>>();
  for (const kind of retentionKinds) {
    const k = RETENTION_KINDS[kind];
    count.set(kind, counter(db, `SELECT count(*) AS n FROM ${k.table} WHERE ${k.where}`));
    prune.set(
      kind,
      db.prepare(
        `DELETE FROM ${k.table} WHERE ${k.key} IN (SELECT ${k.key} FROM ${k.table} WHERE ${k.where} ORDER BY ${k.order} LIMIT @limit)`,
      ),
    );
  }
  const upTo = counter(db, `SELECT coalesce(max(upto), 0) AS n FROM audit_archived`);
  const toArchive = select<AuditRow>(
    db,
    `SELECT id, at, actor, action, subject, detail, prev_hash AS prevHash, hash FROM audit_log
     WHERE at < @before AND id > (SELECT coalesce(max(upto), 0) FROM audit_archived)
       AND id < (SELECT max(id) FROM audit_log) -- the newest row stays: appends chain from it
     ORDER BY id LIMIT @limit`,
  );
  const mark = db.prepare(`INSERT INTO audit_archived (upto, at) VALUES (?, ?)`);
  const dropArchived = db.prepare(`DELETE FROM audit_log WHERE id <= ?`);
  const auditOlder = counter(db, `SELECT count(*) AS n FROM audit_log WHERE at < ?`);
  // An origin no events row names: its used_seq (>= the seq of every row naming it, store/events.ts) is below every
  // stored seq. Rows an older build added have none: they get the highest seq now, which covers every row naming them.
  const fillUsed = db.prepare(
    `UPDATE event_origins SET used_seq = (SELECT max(seq) FROM events) WHERE used_seq IS NULL AND EXISTS (SELECT 1 FROM events)`,
  );
  const unmarked = db.prepare(`SELECT 1 FROM event_origins WHERE used_seq IS NULL LIMIT 1`).pluck();
  const unnamedOrigins = select<{ id: number }>(
    db,
    `SELECT id FROM event_origins WHERE used_seq < (SELECT min(seq) FROM events) AND id < (SELECT max(id) FROM event_origins) LIMIT ?`,
  );
  // Asked again inside the write transaction: a deciding transaction may have named one since the look above.
  const dropOrigins = db.prepare(
    `DELETE FROM event_origins WHERE id IN (SELECT value FROM json_each(?))
       AND used_seq < (SELECT min(seq) FROM events) AND id < (SELECT max(id) FROM event_origins)`,
  );
  return {
    countOlder: (kind, before) => count.get(kind)!({ before }),
    // IMMEDIATE on the worker's connection too: it waits for the main thread's writer instead of failing.
    pruneBatch: (kind, before, limit) => db.transaction(() => prune.get(kind)!.run({ before, limit }).changes).immediate(),
    auditToArchive: (before, limit) => toArchive.all({ before, limit }),
    auditDropArchived: (id) =>
      db
        .transaction(() => {
          mark.run(id, Date.now());
          return dropArchived.run(id).changes;
        })
        .immediate(),
    auditArchivedUpTo: () => upTo(),
    countAuditOlder: (before) => auditOlder(before),
    pruneOrigins(limit) {
      if (unmarked.get()) db.transaction(() => fillUsed.run()).immediate();
      // The look is a read (no write lock held while it scans the table); the delete holds it for the ids alone.
      const ids = unnamedOrigins.all(limit).map((r) => r.id);
      if (!ids.length) return 0;
      return db.transaction(() => dropOrigins.run(JSON.stringify(ids)).changes).immediate();
    },
  };
}
