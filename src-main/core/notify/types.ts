import type { Severity } from '../../../src-shared/constants';

/**
 * The contract between the router (and every other producer: smoke
 * summaries, escalations, HITL prompts) and the durable outbox. A producer
 * enqueues a Message for a channel; the outbox worker for that channel
 * delivers it in order, at least once, with the idempotency key.
 */
export type MessageKind = 'alert' | 'update' | 'resolved' | 'group' | 'flapping' | 'burst' | 'digest' | 'summary' | 'escalation' | 'hitl' | 'triage' | 'vigil' | 'ack';
// 'ack' (R-ROUTE-8): the alert was acknowledged in Vigil. Queued only for pager channels the alert reached
// (PagerDuty sends it as event_action "acknowledge"); any other channel would show it as a plain text message.

export interface MessageButton {
  text: string;
  /** Opaque callback data (Telegram callback_data ≤ 64 bytes). */
  data: string;
}

export interface Message {
  kind: MessageKind;
  title: string;
  body: string;
  severity: Severity;
  /** The event this message is about (opens it on click); null for summaries. */
  eventId: string | null;
  fingerprint: string | null;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  /** Inline approve/reject buttons etc. (Telegram reply_markup). */
  buttons?: MessageButton[];
  url?: string;
  /** Set when the alert was acknowledged after this was queued: it is delivered as acknowledged, not as news. */
  acknowledged?: { by: string; at: number };
}

/** What a channel answers for one delivery attempt. The retry decision is the channel's; the loop is the outbox's. */
export type SendResult =
  | { ok: true }
  | { ok: false; retryable: boolean; retryAfterMs?: number; error: string };

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
