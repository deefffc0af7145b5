import type { WorkerScope } from './scope';
import { Collection } from '../../../src-shared/api/topics';

/** Pending rows whose time is up become expired (kept and shown); a vigil event names them. */
export function expireDue({ ctx, store, channel, opts }: WorkerScope, now: number): void {
  const expired = store.expireDue(channel.name, now);
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
