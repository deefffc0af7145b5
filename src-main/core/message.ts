import type { Severity } from '../../src-shared/constants';

/**
 * The contract between the router (and every other producer: smoke
 * summaries, escalations, HITL prompts) and the durable outbox. A producer
 * enqueues a Message for a channel; the outbox worker for that channel
 * delivers it in order, at least once, with the idempotency key.
 */
export type MessageKind =
  | 'alert'
  | 'update'
  | 'resolved'
  | 'group'
  | 'flapping'
  | 'burst'
  | 'digest'
  | 'summary'
  | 'escalation'
  | 'hitl'
  | 'triage'
  | 'vigil'
  | 'ack';
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
  /**
   * The incident (alert group) this message belongs to. On a human channel the first message of a thread is
   * sent; follow-ups are folded into it (Telegram edits it, desktop replaces it by tag) — see notify/threads.ts.
   * `closes`: the whole incident resolved; its next message starts a new thread.
   */
  thread?: MessageThread;
  /** An `oncall` channel's message: the person the schedule resolved it to when it was queued (issue 18.5). */
  to?: Addressee;
}

export interface MessageThread {
  key: string;
  closes?: boolean;
}

/** Who an on-call page went to, kept on the outbox row so the console can say "paged alice (on call)". */
export interface Addressee {
  person: string;
  team: string;
  as: 'on call' | 'next in rotation';
  /** Their Telegram user id (a private chat with the bot), or null: the page reaches only their desktop. */
  telegram: string | null;
}
