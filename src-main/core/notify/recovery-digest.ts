import type { OutboxRow } from '../store';
import { reconciledRow } from './delivery';
import { buildDigests, foldable, isDigestKey } from './digest';
import type { WorkerScope } from './scope';

/** Why a backlog built up (worded in the digest title). */
export type HeldBy = 'outage' | 'pause';

/** After an outage or pause, a backlog over the threshold goes out as digests (human channels only). */
export function recoveryDigestDue({ ctx, store, channel }: WorkerScope, head: OutboxRow, recovering: boolean): boolean {
  return (
    recovering && channel.digests !== false && !isDigestKey(head.key) && store.backlog(channel.name) > ctx.config.outbox.digestThreshold
  );
}

/**
 * Fold the pending backlog into digests that list every message (R-NOTIFY-2), split to fit the channel.
 * Messages whose alert changed meanwhile are reconciled first; messages with buttons stay whole. The number of
 * digests, or a promise of it when the write lock was taken and it had to wait.
 */
export function foldBacklog(scope: WorkerScope, now: number, heldBy: HeldBy): number | Promise<number> {
  const { ctx, store, channel } = scope;
  const name = channel.name;
  // A wait for the decider's write lock does not hold the main thread (R-SCALE-18).
  return ctx.stores.transactionSoon(() => {
    const rows: OutboxRow[] = [];
    for (const row of store.pending(name)) {
      const r = reconciledRow(scope, row, now);
      if ('drop' in r) store.markDropped(row.id, r.drop);
      else if (r.send !== row.message) {
        store.rewrite(row.id, r.send);
        rows.push({ ...row, message: r.send });
      } else rows.push(row);
    }
    const fold = rows.filter(foldable);
    if (fold.length < 2) return 0;
    const parts = buildDigests(name, fold, heldBy, channel.fits?.bind(channel));
    for (const p of parts)
      store.addDigest(
        name,
        p.key,
        p.message,
        p.rows.map((r) => r.id),
        now,
        now + ctx.config.outbox.expireAfter,
      );
    return parts.length;
  });
}
