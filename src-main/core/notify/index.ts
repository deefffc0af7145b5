import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import { sendTestMessage } from './test-send';
import { outboxHandlers, outboxTiles } from './api';
import { buildChannels } from '../channels';
import { secretRefs } from '../settings';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox';

export interface NotifyDeps extends OutboxOptions {
  /** Desktop notifications paused until (ms), or null (the notifications.pause state in app.ts). */
  pausedUntil: () => number | null;
}

/** The notify area: channels from config, the durable outbox, its API handlers and status tiles. */
export function wireNotify(ctx: CoreContext, deps: NotifyDeps) {
  let built = buildChannels(ctx, deps);
  let configs = ctx.config.channels.map((c) => JSON.stringify(c));
  const outbox: Outbox = createOutbox(ctx, built, deps);
  // Live reload: an unchanged channel keeps its worker (and its backoff state); a changed or new one is rebuilt.
  ctx.onReload(() => async () => {
    const fresh = buildChannels(ctx, deps);
    const nextConfigs = ctx.config.channels.map((c) => JSON.stringify(c));
    const reuse = new Map(built.map((ch, i) => [configs[i], ch]));
    built = fresh.map((ch, i) => reuse.get(nextConfigs[i]!) ?? ch);
    configs = nextConfigs;
    await outbox.setChannels(built);
  });
  /** Channel name → the secrets it references that are unset (the same references Settings lists). */
  const unsetSecrets = (): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const [name, usedBy] of secretRefs(ctx.config)) {
      if (ctx.secrets.get(name)) continue;
      for (const u of usedBy) {
        const channel = /^channels\[([^\]]+)\]\./.exec(u)?.[1];
        if (channel) out.set(channel, [...(out.get(channel) ?? []), name]);
      }
    }
    return out;
  };
  ctx.statusProviders.push(() => outboxTiles(outbox, ctx.clock.now(), unsetSecrets()));
  ctx.onStart(() => outbox.start());
  ctx.onStop(() => outbox.stop());
  const handlers: Pick<Handlers, 'channels.test'> & ReturnType<typeof outboxHandlers> = {
    ...outboxHandlers(outbox),
    'channels.test': ({ channel, by }) => sendTestMessage(ctx, outbox, channel, by),
  };
  return {
    outbox,
    handlers,
    /** Retry now every channel named in secret usages ("channels[name].field"): a saved secret wakes its channel at once. */
    wakeChannels(usedBy: readonly string[]): void {
      for (const c of ctx.config.channels) if (usedBy.some((u) => u.startsWith(`channels[${c.name}].`))) outbox.retryChannel(c.name);
    },
  };
}
export { buildChannels } from '../channels';
export { createOutbox } from './outbox';
export { type Message, type MessageButton, type MessageKind, type OutboxWriter } from './types';
