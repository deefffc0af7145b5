import { retentionKinds, type RetentionKind, type RetentionStore } from '../store';
import { appendArchive, lastArchivedId } from './archive';

/** Cutoffs in ms of age per kind (null: keep for ever), as the config gives them. */
export type RetentionPolicy = Record<RetentionKind | 'audit', number | null>;

export interface PassInput {
  policy: RetentionPolicy;
  now: number;
  /** Rows per transaction: each batch holds the write lock only briefly, so intake and the router interleave. */
  batch: number;
  /** Stop after this many batches in one pass (the next pass goes on). */
  maxBatches: number;
  archiveFile: string | null;
}

export type Counts = Partial<Record<RetentionKind | 'audit' | 'eventOrigins', number>>;

const cutoff = (policy: RetentionPolicy, kind: RetentionKind | 'audit', now: number): number | null =>
  policy[kind] === null ? null : now - policy[kind]!;

/** What the policy would remove now (the Settings page's preview). */
export function preview(store: RetentionStore, policy: RetentionPolicy, now: number): Counts {
  const out: Counts = {};
  for (const kind of retentionKinds) {
    const before = cutoff(policy, kind, now);
    if (before !== null) out[kind] = store.countOlder(kind, before);
  }
  const auditBefore = cutoff(policy, 'audit', now);
  if (auditBefore !== null) out.audit = store.countAuditOlder(auditBefore);
  return out;
}

/** One pass: small batches per kind; audit rows go to the archive file first, then leave the database. */
export function prunePass(store: RetentionStore, input: PassInput): Counts {
  const removed: Counts = {};
  let batches = 0;
  for (const kind of retentionKinds) {
    const before = cutoff(input.policy, kind, input.now);
    if (before === null) continue;
    let n: number;
    do {
      n = store.pruneBatch(kind, before, input.batch);
      removed[kind] = (removed[kind] ?? 0) + n;
    } while (n === input.batch && ++batches < input.maxBatches);
  }
  // The Alertmanager origins (one row per group key ever seen) go with the last event that named them.
  if (input.policy.events !== null) {
    let n: number;
    do {
      n = store.pruneOrigins(input.batch);
      if (n) removed.eventOrigins = (removed.eventOrigins ?? 0) + n;
    } while (n === input.batch && ++batches < input.maxBatches);
  }
  const auditBefore = cutoff(input.policy, 'audit', input.now);
  if (auditBefore !== null && input.archiveFile) {
    // A crash between the fsynced append and the delete leaves rows in both; the archive's tail says where it stopped.
    const inFile = lastArchivedId(input.archiveFile);
    if (inFile > store.auditArchivedUpTo()) removed.audit = store.auditDropArchived(inFile);
    for (;;) {
      const rows = store.auditToArchive(auditBefore, input.batch);
      if (!rows.length || batches++ >= input.maxBatches) break;
      appendArchive(input.archiveFile, rows);
      removed.audit = (removed.audit ?? 0) + store.auditDropArchived(rows[rows.length - 1]!.id);
    }
  }
  return removed;
}
