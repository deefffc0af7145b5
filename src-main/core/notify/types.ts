import type { Message } from '../message';

// The message itself is shared by producers, the store and notify: it lives in core/message.ts, below them all.
export type { Message, MessageButton, MessageKind } from '../message';

/** What a channel answers for one delivery attempt. The retry decision is the channel's; the loop is the outbox's. */
export type SendResult = { ok: true } | { ok: false; retryable: boolean; retryAfterMs?: number; error: string };

/** One notification provider (desktop, telegram, webhook, pagerduty). */
export interface Channel {
  readonly name: string;
  readonly type: string;
  /** key: the idempotency key, stable across replays of the same message. */
  send(message: Message, key: string, signal: AbortSignal): Promise<SendResult>;
  /**
   * false: never fold this channel's backlog into a digest — machines (webhook, pager) get every message,
   * in order. Default true: a person reads a digest after an outage.
   */
  readonly digests?: boolean;
  /** Whether one message fits what this channel can show (Telegram: 4,096 characters); digests are split to fit. */
  fits?(message: Message): boolean;
  /** How long one attempt may take before it is aborted and retried. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * How many queued messages one outbox transaction may claim and settle
   * (default 1). Only for an instant, local send (desktop): a crash resends
   * at most this many, with their keys (at least once, in order).
   */
  readonly batch?: number;
  /** While this returns a future time the outbox holds the channel's messages (not a failure). */
  pausedUntil?(): number | null;
}

/** The producer side of the outbox. enqueue() must be called inside the caller's DB transaction where atomicity matters. */
export interface OutboxWriter {
  enqueue(channel: string, message: Message, idempotencyKey: string): void;
}
