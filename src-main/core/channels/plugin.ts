import type { z } from 'zod';
import type { DesktopNotice } from '../../../src-shared/api/topics';
import type { CoreContext } from '../context';
import type { Message } from '../message';

/** What a channel answers for one delivery attempt. The retry decision is the channel's; the loop is the outbox's. */
export type SendResult =
  /** ref: the provider's id of the message now showing (Telegram message_id), kept to fold follow-ups into it. */
  | { ok: true; ref?: string }
  /**
   * dropped: nobody is meant to get this message here (e.g. every connected person's preferences exclude its
   * severity). It is recorded as dropped with `error` as the reason, never as sent, and the queue moves on.
   */
  | { ok: false; retryable: boolean; retryAfterMs?: number; error: string; dropped?: true };

/** One notification provider (desktop, telegram, webhook, pagerduty). */
export interface Channel {
  readonly name: string;
  readonly type: string;
  /** key: the idempotency key, stable across replays of the same message. */
  send(message: Message, key: string, signal: AbortSignal): Promise<SendResult>;
  /**
   * Replace the message sent earlier as `ref` with this one (a follow-up folded into its incident's message).
   * When the provider no longer has that message the channel sends a new one and answers its ref.
   * Without `edit` a channel gets follow-ups as rate-limited digests (`digestEvery`, notify/incident-digest.ts).
   */
  edit?(message: Message, ref: string, key: string, signal: AbortSignal): Promise<SendResult>;
  /**
   * false: never fold this channel's backlog into a digest — machines (webhook, pager) get every message,
   * in order. Default true: a person reads a digest after an outage.
   */
  readonly digests?: boolean;
  /**
   * A channel without `edit` (R-NOTIFY-9): an incident's follow-ups are held (durable outbox rows) and sent as one
   * digest per this many ms; escalations, an incident turning critical and its resolution go at once.
   * 0 or absent: every follow-up is its own message.
   */
  readonly digestEvery?: number;
  /** Whether one message fits what this channel can show (Telegram: 4,096 characters); digests are split to fit. */
  fits?(message: Message): boolean;
  /** How long one attempt may take before it is aborted and retried. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * How many queued messages one outbox transaction may claim and settle
   * (default 1): a crash resends at most this many, with their keys (at least once).
   */
  readonly batch?: number;
  /**
   * How many sends may be in flight at once (default 1: one after another, in queue order). Above 1, messages of
   * one incident or one alert still go one after another (notify/window.ts); others may overtake each other.
   */
  readonly concurrency?: number;
  /** While this returns a future time the outbox holds the channel's messages (not a failure). */
  pausedUntil?(): number | null;
}

export interface ChannelDeps {
  /** Desktop notifications paused until (ms), or null. */
  pausedUntil: () => number | null;
  /**
   * Where desktop notices are shown when a publish is not proof enough (headless: delivered only when a
   * connected console reports it showed the notice). Absent: publishing on the bus is the delivery (Electron).
   */
  display?: NoticeDisplay;
}

/** Shows one desktop notice and answers whether someone's console showed it. */
export interface NoticeDisplay {
  show(notice: DesktopNotice, signal: AbortSignal): Promise<SendResult>;
}

/**
 * One channel type as a plug-in (Uptime Kuma's notification providers): its
 * `type`, the zod schema of its vigil.yaml entry and the factory that turns a
 * validated entry into a Channel. A new type is one file exporting one of these,
 * added to CHANNEL_PLUGINS (channels/index.ts); the config union and the list of
 * types derive from that array.
 */
export interface ChannelPlugin<T extends string = string, S extends z.ZodObject = z.ZodObject> {
  readonly type: T;
  readonly config: S;
  create(ctx: CoreContext, cfg: z.infer<S>, deps: ChannelDeps): Channel;
}

/** Declare a plug-in with its types inferred (the schema's `type` literal must equal `type`). */
export const channelPlugin = <T extends string, S extends z.ZodObject<{ name: z.ZodType; type: z.ZodLiteral<T> }>>(
  p: ChannelPlugin<T, S>,
): ChannelPlugin<T, S> => p;
