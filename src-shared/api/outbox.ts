import { z } from 'zod';
import { Severity } from '../constants';
import { method } from './define';

export const OutboxState = z.enum(['pending', 'sending', 'sent', 'failed', 'expired', 'digested', 'dropped', 'held']);
// held: a follow-up waiting for its incident's digest on a channel that cannot edit (R-NOTIFY-9).
// dropped: not sent because it was no longer true (its alert was acknowledged or resolved meanwhile); lastError says why.
export type OutboxState = z.infer<typeof OutboxState>;

/** One queued notification as the Queues page shows it. */
export const OutboxItem = z.object({
  id: z.number(),
  channel: z.string(),
  key: z.string(),
  state: OutboxState,
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  severity: Severity,
  eventId: z.string().nullable(),
  attempts: z.number(),
  nextAttemptAt: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  expiresAt: z.number(),
  sentAt: z.number().nullable(),
  /** For `digested`: the digest message that carried it. */
  digestId: z.number().nullable(),
  /** An on-call page: the person the schedule picked when it was queued, e.g. "alice (on call)". */
  to: z.string().nullable(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

export const ChannelHealth = z.object({
  name: z.string(),
  type: z.string(),
  state: z.enum(['ok', 'failing', 'paused', 'unconfigured']),
  failingSince: z.number().nullable(),
  lastError: z.string().nullable(),
  lastSuccessAt: z.number().nullable(),
  consecutiveFailures: z.number(),
  nextAttemptAt: z.number().nullable(),
  pausedUntil: z.number().nullable(),
  backlog: z.number(),
  oldestPendingAt: z.number().nullable(),
  failed: z.number(),
  expired: z.number(),
});
export type ChannelHealth = z.infer<typeof ChannelHealth>;

const channelName = z.string().min(1).max(64);
const messageId = z.number().int().positive();

export const outboxApi = {
  'outbox.list': method(
    z
      .object({
        channel: channelName.optional(),
        state: OutboxState.optional(),
        /** Page backwards from this id (exclusive); omit for the newest. */
        before: messageId.optional(),
        limit: z.number().int().min(1).max(500).default(50),
      })
      .strict(),
    z.object({ items: z.array(OutboxItem), nextBefore: z.number().nullable() }),
    'Outbox messages, newest first, optionally for one channel and one state.',
  ),
  'outbox.channels': method(
    z.object({}).strict(),
    z.object({ channels: z.array(ChannelHealth) }),
    'Health and backlog of every notification channel.',
  ),
  'outbox.retryNow': method(
    z
      .object({ channel: channelName.optional(), id: messageId.optional() })
      .strict()
      .refine((i) => (i.channel === undefined) !== (i.id === undefined), { message: 'give either channel or id, not both' }),
    z.object({ retried: z.number() }),
    'Try a channel (skip its backoff) or one message (failed/expired ones are queued again) now.',
  ),
  'outbox.expire': method(
    z.object({ id: messageId }).strict(),
    z.object({ id: z.number(), state: OutboxState }),
    'Give up on a pending message: it is kept, marked expired.',
  ),
  'outbox.digestPreview': method(
    z.object({ channel: channelName }).strict(),
    z.object({
      backlog: z.number(),
      threshold: z.number(),
      wouldDigest: z.boolean(),
      message: z.object({ title: z.string(), body: z.string(), severity: Severity }).nullable(),
    }),
    'The digest the channel would send for its current backlog (sent as a digest only above the threshold after an outage).',
  ),
};
