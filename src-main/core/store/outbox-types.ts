import type { OutboxState } from '../../../src-shared/api/outbox';
import type { Severity } from '../../../src-shared/constants';
import type { Addressee, Message, MessageButton } from '../message';

/** The outbox's rows, threads and figures, and what its store does (SQLite: store/outbox.ts). */

export interface OutboxRow {
  id: number;
  channel: string;
  key: string;
  message: Message;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  expiresAt: number;
  sentAt: number | null;
  digestId: number | null;
}

/** One incident's thread on one channel: the message follow-ups are folded into (R-NOTIFY-8). */
export interface OutboxThread {
  channel: string;
  key: string;
  /** The provider's id of the message showing the incident (Telegram message_id, desktop tag). */
  ref: string | null;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  severity: Severity;
  /** What the thread said so far, one line a message, newest last (bounded). */
  lines: string[];
  /** The buttons the incident's message carries (its first alert's "Acknowledge"). */
  buttons: MessageButton[];
  messages: number;
  folded: number;
}

export interface OutboxChannelCounts {
  channel: string;
  /** pending + sending: what the channel still owes. */
  backlog: number;
  oldestPendingAt: number | null;
  failed: number;
  expired: number;
}

export interface OutboxListQuery {
  channel?: string;
  state?: OutboxState;
  /** Page backwards: rows with id < before. */
  before?: number;
  limit: number;
}

/**
 * The outbox repository: all SQL for the outbox lives here, behind this
 * interface, so a shared PostgreSQL store can implement it later.
 */
export interface OutboxStore {
  /** Plain INSERT (call inside the caller's transaction). false: the key was already queued for this channel. */
  insert(row: { channel: string; key: string; message: Message; now: number; expiresAt: number }): boolean;
  /** The oldest undelivered row of a channel: the one that blocks the queue. */
  head(channel: string): OutboxRow | undefined;
  get(id: number): OutboxRow | undefined;
  markSending(id: number): void;
  /**
   * Claim the channel's queue head for delivery: up to `limit` pending rows
   * in order, as long as each is due and not expired, marked `sending`
   * (call inside a transaction). An empty answer: the head is not due.
   */
  claim(channel: string, now: number, limit: number): OutboxRow[];
  /** Delivered; a digest also stamps the messages it carried (call inside the settling transaction). */
  markSent(id: number, now: number): void;
  markRetry(id: number, attempts: number, nextAttemptAt: number, error: string): void;
  /** Back to pending without counting an attempt (graceful stop mid-send). */
  release(id: number): void;
  markFailed(id: number, error: string, now: number): void;
  /** Pending rows whose time is up become expired (kept, not deleted). */
  expireDue(channel: string, now: number): OutboxRow[];
  /** When the channel's next pending row expires (null: none pending). */
  nextExpiry(channel: string): number | null;
  /**
   * Crash recovery: a row left in `sending` was maybe delivered, maybe not; send again (at least once). `channels`:
   * only theirs (a sender thread started again requeues its own, never rows another thread is sending).
   */
  requeueSending(channels?: readonly string[]): number;
  /** Pending rows of a channel in order (for digests and previews). */
  pending(channel: string, limit?: number): OutboxRow[];
  backlog(channel: string): number;
  /** Channels that delivered a message whose key starts with `prefix` (e.g. `test:`, channels.test's). */
  sentWithKeyPrefix(prefix: string): string[];
  /** When the channel last delivered any message (indexed: its newest sent row), or null if it never did. */
  lastSentAt(channel: string): number | null;
  /**
   * Queue a digest carrying `ids` (call inside a transaction): the rows
   * become `digested` and point at it. Returns the digest row's id.
   */
  addDigest(channel: string, key: string, message: Message, ids: readonly number[], now: number, expiresAt: number): number;
  /** Replace what a queued row will send (its alert changed while it waited). */
  rewrite(id: number, message: Message): void;
  /** Not sent, for the reason given (kept and shown, never deleted). */
  markDropped(id: number, reason: string): void;
  /** Held for the incident's digest (R-NOTIFY-9): kept, owed, not retried; a digest or the resolution carries it. */
  hold(id: number): void;
  /** Held rows of one incident thread on a channel, oldest first. */
  held(channel: string, thread: string): OutboxRow[];
  /** The threads of a channel with held rows, and how many each. */
  heldThreads(channel: string): Array<{ thread: string; count: number }>;
  /**
   * The newest held row of a thread carries the others (R-NOTIFY-9): it becomes pending again as `message`,
   * the rest become `digested` pointing at it (call inside a transaction).
   */
  carry(carrier: number, message: Message, folded: readonly number[]): void;
  /** Held rows that `into` (the incident's resolution, being settled) carried: `digested`, pointing at it. */
  foldInto(into: number, ids: readonly number[]): void;
  /** Resolutions queued or sent on `channel` after row `afterId` (oldest first, at most 100). */
  resolutionsAfter(channel: string, afterId: number): Message[];
  list(q: OutboxListQuery): OutboxRow[];
  /** Messages a digest carried, in order. */
  digestItems(digestId: number): OutboxRow[];
  counts(failedSince: number): OutboxChannelCounts[];
  /** Make a channel's head due now. */
  retryChannel(channel: string, now: number): number;
  /** A failed/expired row goes back to pending (with a fresh expiry); a pending row becomes due now. */
  retryMessage(id: number, now: number, expiresAt: number): boolean;
  expireMessage(id: number, reason: string): boolean;
  /**
   * Who was paged on `channel` (an `oncall` one) about this alert (`fingerprint`) or incident (`thread` key) since its
   * last resolution there: one addressee per person and way (on call, next in rotation), in the order they were first
   * paged (not counting dropped, failed or expired pages — those never reached them).
   */
  pagedAbout(channel: string, about: { fingerprint: string } | { thread: string }): Addressee[];
  /** Which of `channels` were queued a firing message about `fingerprint` at or after `since` (routed or escalated). */
  firingSentTo(fingerprint: string, since: number, channels: readonly string[]): string[];
  thread(channel: string, key: string): OutboxThread | undefined;
  /** Insert or replace (inside the transaction that settles the send). */
  putThread(t: OutboxThread): void;
  /** Forget threads with no message since `before`; returns how many. */
  pruneThreads(before: number): number;
  /** Threads of a channel (newest first) for tests and the bench. */
  threads(channel: string): OutboxThread[];
}
