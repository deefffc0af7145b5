import type { WorkerScope } from './scope';
import { Collection } from '../../../src-shared/api/topics';

/**
 * Pending rows whose time is up become expired (kept and shown); a vigil event names them. The UPDATE takes the write
 * lock even when nothing is due: beside a decider thread it waits between turns of the event loop (transactionSoon),
 * not in SQLite's busy handler on the main thread (up to 5 s, then "database is locked" and a failed worker).
 */
export async function expireDue({ ctx, store, channel, opts }: WorkerScope, now: number): Promise<void> {
  // Patient: giving up after 5 s would only fail the worker (a report for the user) and try again later.
  const due = ctx.stores.transactionSoon(() => store.expireDue(channel.name, now), undefined, { patient: true });
  const expired = due instanceof Promise ? await due : due;
  if (expired.length === 0) return;
  ctx.metrics.notifySent.inc({ channel: channel.name, result: 'expired' }, expired.length);
  ctx.changed(Collection.outbox);
  const titles = expired
    .slice(0, 3)
    .map((r) => `"${r.message.title}"`)
    .join(', ');
  opts.onFailure(
    `channel ${channel.name} (expired messages)`,
    new Error(
      `${expired.length} message(s) not delivered within ${ctx.config.outbox.expireAfter} ms: ${titles}${expired.length > 3 ? ', …' : ''}`,
    ),
  );
}

/** The channel's backlog gauge. */
export function gaugeBacklog({ ctx, store, channel }: WorkerScope): void {
  ctx.metrics.outboxPending.set({ channel: channel.name }, store.backlog(channel.name));
}
