import type { CoreContext } from '../context';
import { outboxHandlers, outboxTiles } from './api';
import { buildChannels } from './channels';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox';

export interface NotifyDeps extends OutboxOptions {
  /** Desktop notifications paused until (ms), or null (the notifications.pause state in app.ts). */
  pausedUntil: () => number | null;
}

/** The notify area: channels from config, the durable outbox, its API handlers and status tiles. */
export function wireNotify(ctx: CoreContext, deps: NotifyDeps) {
  const outbox: Outbox = createOutbox(ctx, buildChannels(ctx, deps), deps);
  ctx.statusProviders.push(() => outboxTiles(outbox, ctx.clock.now()));
  ctx.onStart(() => outbox.start());
  ctx.onStop(() => outbox.stop());
  return { outbox, handlers: outboxHandlers(outbox) };
}
export { buildChannels } from './channels';
export { createOutbox } from './outbox';
export { type Message, type MessageButton, type MessageKind, type OutboxWriter } from './types';
