import { randomUUID } from 'node:crypto';
import type { ChannelTestResult } from '../../../src-shared/api/config';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { pagedVia } from '../channels';
import type { Outbox } from './outbox';
import type { Message, OutboxWriter } from './types';

/** How long channels.test waits for the first attempt before answering "pending". */
export const TEST_WAIT_MS = 15_000;

/** channels.test's idempotency keys start with this (the first-run checklist looks for them; on-call refuses them loudly). */
export const TEST_KEY_PREFIX = 'test:';

/**
 * "Send test notification": one message enqueued like any other (same outbox, same
 * worker, same retries), then the first attempt's outcome: delivered, or the channel's error.
 * It goes through the writer every producer uses, so an `oncall` channel's test pages whoever
 * is on call now and says who (R-ONCALL-4).
 */
export async function sendTestMessage(
  ctx: CoreContext,
  outbox: Outbox,
  writer: OutboxWriter,
  channel: string,
  by: string,
  waitMs = TEST_WAIT_MS,
): Promise<ChannelTestResult> {
  const cfg = ctx.config.channels.find((c) => c.name === channel);
  if (!cfg) throw new VigilError('not_found', `no channel named "${channel}" in the configuration`);
  const key = `${TEST_KEY_PREFIX}${channel}:${randomUUID()}`;
  const message: Message = {
    kind: 'vigil',
    title: `Vigil test notification for ${channel}`,
    body: `Sent by ${by} from Vigil at ${new Date(ctx.clock.now()).toISOString()}. If you can read this, channel ${channel} works.`,
    severity: 'info',
    eventId: null,
    fingerprint: null,
    status: 'firing',
    labels: { alertname: 'VigilTestNotification', channel },
  };
  ctx.stores.transaction(() => writer.enqueue(channel, message, key));
  const find = () => outbox.store.list({ channel, limit: 200 }).find((r) => r.key === key);
  // Network time, not the core's clock: a test clock must not stretch or shrink the wait.
  const deadline = Date.now() + waitMs;
  let row = find();
  while (row && (row.state === 'pending' || row.state === 'sending') && row.attempts === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    row = find();
  }
  if (!row) throw new VigilError('internal', `the test message for ${channel} was not queued`);
  const delivered = row.state === 'sent';
  const to = row.message.to;
  return {
    channel,
    to: to && cfg.type === 'oncall' ? `${to.person} (${to.as}) via ${pagedVia(cfg, to)}` : null,
    id: row.id,
    state: row.state,
    delivered,
    error: delivered
      ? null
      : (row.lastError ?? (row.attempts === 0 ? `not attempted within ${waitMs / 1000} s (queued behind other messages or paused)` : null)),
    attempts: row.attempts,
  };
}
