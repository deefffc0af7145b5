import { z } from 'zod';
import { method } from './define';

/** Retention (issue 17.3): how big the database is and what the policy will remove. */

export const RetentionKindName = z.enum([
  'events',
  'resolvedAlerts',
  'deliveredOutbox',
  'finishedPlans',
  'smokeHistory',
  'unreferencedMemory',
  'audit',
]);
export type RetentionKindName = z.infer<typeof RetentionKindName>;

export const RetentionView = z.object({
  /** Bytes of vigil.db and its WAL (null for an in-memory database). */
  databaseBytes: z.number().nullable(),
  walBytes: z.number().nullable(),
  /** Bytes of the intake inbox (inbox.db and its WAL): acknowledged events not yet decided. */
  inboxBytes: z.number().nullable(),
  archiveBytes: z.number().nullable(),
  kinds: z.array(
    z.object({
      kind: RetentionKindName,
      /** Kept for this long (ms); null: for ever. */
      keepMs: z.number().nullable(),
      /** Rows older than that now: what the next passes will remove (audit: archive). */
      due: z.number().nullable(),
    }),
  ),
  lastPass: z.object({ at: z.number(), removed: z.record(z.string(), z.number()), error: z.string().nullable() }).nullable(),
  /** Where pruning runs: 'worker' (its own thread and connection) or 'inline' (in-memory databases). */
  runsOn: z.enum(['worker', 'inline']),
});
export type RetentionView = z.infer<typeof RetentionView>;

export const retentionApi = {
  'retention.get': method(
    z.object({}).strict(),
    RetentionView,
    'Database size and, per kind, how long it is kept and how many rows retention will remove.',
  ),
  'retention.run': method(
    z.object({}).strict(),
    RetentionView,
    'Run one retention pass now (small batches on the worker), then describe the result.',
  ),
};
