import type { Handlers } from '../../../src-shared/api';
import type { TimerHandle } from '../clock';
import type { CoreContext } from '../context';
import { sendTestMessage } from './test-send';
import { outboxHandlers, outboxTiles } from './api';
import { channelSet } from './channel-set';
import { secretRefs } from '../settings';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox';
import { createConsoleNotices } from './consoles';
import type { OutboxWriter } from './types';

export interface NotifyDeps extends OutboxOptions {
  /** Desktop notifications paused until (ms), or null (the notifications.pause state in app.ts). */
  pausedUntil: () => number | null;
  /** Headless: a desktop message is delivered only when a connected console reports it shown (`notices.shown`). */
  shownByConsole?: boolean;
  /** The writer producers use (on-call targets resolved, app.ts): channels.test goes through it too. Default: the outbox's. */
  writer?: () => OutboxWriter;
}

/** Consoles connecting within this of the last retry of held desktop messages share one retry at its end. */
const CONNECT_RETRY_GAP_MS = 1_000;

/** The notify area: channels from config, the durable outbox, its API handlers and status tiles. */
export function wireNotify(ctx: CoreContext, deps: NotifyDeps) {
  const consoles = deps.shownByConsole ? createConsoleNotices(ctx) : null;
  const channelDeps = { pausedUntil: deps.pausedUntil, ...(consoles && { display: consoles.display }) };
  const channels = channelSet(ctx, channelDeps);
  const outbox: Outbox = createOutbox(ctx, channels.current(), deps);
  // A console that connects shows what waited for one: desktop messages are retried at once, not after their backoff.
  // A burst of consoles connecting (100 after a restart) retries once a second, not once per console: each retry is a
  // main-thread write that waits for the decider's transaction in progress (between turns of the event loop, R-SCALE-18).
  // The trailing retry is skipped when every console of the burst has left: it would only find nobody to show them to,
  // after making every held row due (and folding a large backlog) on the main thread; the next console retries at once.
  let lastRetry = -Infinity;
  let trailing: TimerHandle | null = null;
  const retryDesktop = () => {
    trailing = null;
    lastRetry = ctx.clock.now();
    for (const c of ctx.config.channels) if (c.type === 'desktop') outbox.retryChannelSoon(c.name);
  };
  consoles?.onConnect(() => {
    if (trailing) return;
    const wait = lastRetry + CONNECT_RETRY_GAP_MS - ctx.clock.now();
    if (wait <= 0) retryDesktop();
    else trailing = ctx.clock.setTimeout(() => (consoles.count() > 0 ? retryDesktop() : (trailing = null)), wait);
  });
  ctx.onStop(() => trailing?.cancel());
  // Live reload: an unchanged channel keeps its worker (and its backoff state); a changed or new one is rebuilt.
  ctx.onReload(() => () => outbox.setChannels(channels.rebuild()));
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
  const handlers: Pick<Handlers, 'channels.test' | 'notices.shown'> & ReturnType<typeof outboxHandlers> = {
    ...outboxHandlers(outbox),
    'channels.test': ({ channel, by }) => sendTestMessage(ctx, outbox, deps.writer?.() ?? outbox.writer, channel, by),
    'notices.shown': ({ id, by }) => ({ delivered: consoles?.shown(id, by) ?? false }),
  };
  return {
    outbox,
    /** Headless: the open consoles that show desktop notices (null when publishing is the delivery). */
    consoles,
    handlers,
    /** Retry now every channel named in secret usages ("channels[name].field"): a saved secret wakes its channel at once. */
    wakeChannels(usedBy: readonly string[]): void {
      deps.thread?.secretsChanged();
      for (const c of ctx.config.channels) if (usedBy.some((u) => u.startsWith(`channels[${c.name}].`))) outbox.retryChannel(c.name);
    },
  };
}
export { buildChannels } from '../channels';
export { createOutbox, type OutboxOptions, type SenderLink } from './outbox';
export { channelSet } from './channel-set';
export { type WorkerHealth } from './settle';
export { TEST_KEY_PREFIX } from './test-send';
export { type ConsoleNotices } from './consoles';
export { type Message, type MessageButton, type MessageKind, type OutboxWriter } from './types';
