import type { OutboxRow, OutboxThread } from '../store';
import { isDigestKey } from './digest';
import type { WorkerScope } from './scope';
import { THREAD_KEEP_MS } from './threads';
import { utcText } from '../duration';
import type { SendResult } from './types';

/** First retry delay; doubles per attempt up to outbox.maxBackoff. */
export const BASE_BACKOFF_MS = 1_000;
/** Consecutive failed attempts after which a channel counts as "keeps failing" and raises a vigil event. */
export const FAILING_AFTER = 3;

/** Capped exponential backoff with "equal jitter": between half and all of the capped delay. */
export function backoffMs(attempts: number, maxBackoff: number, random: () => number): number {
  const capped = Math.min(maxBackoff, BASE_BACKOFF_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** A channel's delivery health as its worker keeps it (shown on the status tile). */
export interface WorkerHealth {
  failingSince: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
  failures: number;
  nextAttemptAt: number | null;
}

/** One attempt's outcome, or a message dropped unsent because its alert changed meanwhile. */
export interface Settled {
  row: OutboxRow;
  result: SendResult;
  delay: number;
  dropped?: string | undefined;
  rewritten?: boolean | undefined;
  /** The incident thread after this delivery (written with its outcome). */
  thread?: OutboxThread | undefined;
  /** Held for the incident's digest (R-NOTIFY-9). */
  held?: boolean | undefined;
  /** Held rows this message (the incident's resolution) carried. */
  carried?: number[] | undefined;
}

/** The outcome of one attempt, with its retry delay drawn once. */
export function planOutcome(
  { ctx, opts }: WorkerScope,
  row: OutboxRow,
  result: SendResult,
): { row: OutboxRow; result: SendResult; delay: number } {
  const delay =
    result.ok || !result.retryable
      ? 0
      : result.retryAfterMs !== undefined
        ? Math.max(result.retryAfterMs, 0)
        : backoffMs(row.attempts + 1, ctx.config.outbox.maxBackoff, opts.random);
  return { row, result, delay };
}

/** The database half of settling an attempt (inside the settling transaction). */
export function record(
  { store }: WorkerScope,
  { row, result, delay, dropped, rewritten, thread, held, carried }: Settled,
  now: number,
): void {
  if (dropped !== undefined) return store.markDropped(row.id, dropped);
  if (rewritten) store.rewrite(row.id, row.message);
  if (held) return store.hold(row.id);
  if (result.ok && thread) {
    store.putThread(thread);
    // A new incident is rare: the moment to forget threads long over.
    if (thread.messages === 1 && thread.folded === 0) store.pruneThreads(now - THREAD_KEEP_MS);
  }
  if (result.ok && carried?.length) store.foldInto(row.id, carried);
  if (result.ok) store.markSent(row.id, now);
  else if (!result.retryable) store.markFailed(row.id, result.error, now);
  else store.markRetry(row.id, row.attempts + 1, now + delay, result.error);
}

/**
 * Metrics, health, logs and failure events, once the outcome is committed.
 * Returns true when the attempt failed and will be retried (the backlog behind it is held by an outage).
 */
export function report(
  { ctx, store, channel, opts }: WorkerScope,
  health: WorkerHealth,
  { row: head, result, delay, dropped, held }: Settled,
  now: number,
): boolean {
  const { metrics, log } = ctx;
  const name = channel.name;
  if (held) {
    log.debug({ channel: name, id: head.id, thread: head.message.thread?.key }, "held for the incident's digest");
    return false;
  }
  if (dropped !== undefined) {
    log.info({ channel: name, id: head.id, reason: dropped }, 'queued message dropped');
    return false;
  }
  if (result.ok) {
    metrics.notifySent.inc({ channel: name, result: 'sent' });
    const carried = isDigestKey(head.key) ? store.digestItems(head.id).length : 0;
    if (carried > 0) metrics.outboxReplayed.inc({ channel: name }, carried);
    else if (head.attempts > 0 || health.failures > 0) metrics.outboxReplayed.inc({ channel: name });
    // The first success since start too: a failure alert raised before a restart is resolved by it (a no-op if none fires).
    if (health.failures >= FAILING_AFTER || health.lastSuccessAt === null) opts.onRecovery(`channel ${name}`);
    if (health.failures > 0) log.info({ channel: name, after: health.failures }, 'channel recovered');
    Object.assign(health, { failingSince: null, lastError: null, lastSuccessAt: now, failures: 0 });
    return false;
  }
  const error = result.error;
  if (!result.retryable) {
    // Refused for good (e.g. 400): marked failed and shown, the queue moves on.
    metrics.notifySent.inc({ channel: name, result: 'failed' });
    log.warn({ channel: name, id: head.id, error }, 'message refused by channel');
    opts.onFailure(`channel ${name} (refused messages)`, new Error(`refused "${head.message.title}": ${error}`));
    return false;
  }
  const attempts = head.attempts + 1;
  health.failures += 1;
  health.failingSince ??= now;
  health.lastError = error;
  log.warn({ channel: name, id: head.id, attempts, retryInMs: delay, error }, 'send failed; will retry');
  if (health.failures === FAILING_AFTER) {
    opts.onFailure(`channel ${name}`, new Error(`${FAILING_AFTER} attempts failed since ${utcText(health.failingSince)}: ${error}`));
  }
  return true;
}
