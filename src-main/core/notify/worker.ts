import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import type { OutboxRow, OutboxStore, OutboxThread } from '../store';
import { buildDigests, foldable, isDigestKey } from './digest';
import type { OutboxOptions } from './outbox';
import { reconcile } from './reconcile';
import { nextThread, planThread, THREAD_KEEP_MS } from './threads';
import type { Channel, SendResult } from './types';
import { Collection } from '../../../src-shared/api/topics';

/** First retry delay; doubles per attempt up to outbox.maxBackoff. */
export const BASE_BACKOFF_MS = 1_000;
/** Consecutive failed attempts after which a channel counts as "keeps failing" and raises a vigil event. */
export const FAILING_AFTER = 3;
/** Safety sweep: expire due rows and wake sleeping workers. */
export const SWEEP_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Steps between yields to the event loop while draining a backlog. */
const YIELD_EVERY = 50;

/** Capped exponential backoff with "equal jitter": between half and all of the capped delay. */
export function backoffMs(attempts: number, maxBackoff: number, random: () => number): number {
  const capped = Math.min(maxBackoff, BASE_BACKOFF_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** One attempt's outcome, or a message dropped unsent because its alert changed meanwhile. */
interface Settled {
  row: OutboxRow;
  result: SendResult;
  delay: number;
  dropped?: string | undefined;
  rewritten?: boolean | undefined;
  /** The incident thread after this delivery (written with its outcome). */
  thread?: OutboxThread | undefined;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One worker per channel: strictly in order, one send in flight, the head blocks the queue while it is retried. */
export class ChannelWorker {
  private timer: TimerHandle | null = null;
  private running = false;
  private again = false;
  private scheduled = false;
  private stopped = true;
  private inflight: { abort: AbortController; done: Promise<unknown> } | null = null;
  /** Rows claimed (state `sending`) in the transaction that settled the previous ones: the next step sends them. */
  private claimed: OutboxRow[] = [];
  /** Rows the current step is sending (claimed, not yet settled). */
  private holding: OutboxRow[] = [];
  /** After a failed attempt (or a start with a backlog) the next backlog over the threshold goes out as a digest. */
  private recovering = false;
  /** Why the backlog built up (worded in the digest title). */
  private heldBy: 'outage' | 'pause' = 'outage';
  readonly health = {
    failingSince: null as number | null,
    lastError: null as string | null,
    lastSuccessAt: null as number | null,
    failures: 0,
    nextAttemptAt: null as number | null,
  };

  constructor(
    private readonly ctx: CoreContext,
    private readonly store: OutboxStore,
    readonly channel: Channel,
    private readonly opts: OutboxOptions & Required<Omit<OutboxOptions, 'alertNow'>>,
  ) {}

  start(): void {
    this.stopped = false;
    this.recovering = this.store.backlog(this.channel.name) > 0;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const f = this.inflight;
    if (f) {
      f.abort.abort(new Error('Vigil is stopping'));
      await f.done.catch(() => undefined);
    }
    this.releaseClaimed();
  }

  /** Claimed but not attempted: back to pending, not an attempt. */
  private releaseClaimed(): void {
    const rows = this.claimed;
    this.claimed = [];
    if (rows.length && this.ctx.stores.isOpen()) this.ctx.stores.transaction(() => rows.forEach((r) => this.store.release(r.id)));
  }

  /** How many head rows one transaction may claim: a batch only for instant local channels. */
  private get batch(): number {
    return Math.max(1, this.channel.batch ?? 1);
  }

  /** Look at the queue now (new message, retry by hand, resume, sweep). */
  kick(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = null;
    if (this.running) this.again = true;
    else if (!this.scheduled) {
      // One look per burst: a batch of 2,000 enqueues schedules one run, not 2,000.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.run();
      });
    }
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      for (let sent = 0; ;) {
        this.again = false;
        const wait = await this.step();
        if (this.stopped) return;
        // A long backlog on an instant channel (desktop) must not starve I/O such as /health.
        sent += this.lastSent;
        if (sent >= YIELD_EVERY) {
          sent = 0;
          await new Promise((r) => setImmediate(r));
        }
        if (wait === 0 || this.again) continue;
        if (wait !== null) this.timer = this.ctx.clock.setTimeout(() => void this.run(), wait);
        return;
      }
    } catch (e) {
      // A closed database (shutdown or crash) ends the worker; anything else is retried after a pause.
      if (!this.ctx.stores.isOpen() || this.stopped) return;
      // Rows claimed but not settled go back to pending, so the retry starts from them (order kept).
      const held = [...this.holding, ...this.claimed];
      this.holding = [];
      this.claimed = [];
      try {
        this.ctx.stores.transaction(() => held.forEach((r) => this.store.release(r.id)));
      } catch {
        // Still failing: a restart requeues rows left in `sending`.
      }
      this.ctx.log.error({ err: e, channel: this.channel.name }, 'outbox worker failed');
      this.opts.onFailure(`outbox worker for channel ${this.channel.name}`, e instanceof Error ? e : new Error(String(e)));
      this.timer = this.ctx.clock.setTimeout(() => void this.run(), BASE_BACKOFF_MS * 5);
    } finally {
      this.running = false;
    }
  }

  /** Messages the last step attempted (for yielding). */
  private lastSent = 0;

  /**
   * One decision. Returns 0 to go on at once, a delay in ms to sleep, null
   * to idle until kicked. Sending costs one transaction per batch: the rows
   * a step sends were claimed (marked `sending`) in the transaction that
   * settled the previous batch, or in their own when the worker wakes up.
   */
  private async step(): Promise<number | null> {
    const { clock } = this.ctx;
    const name = this.channel.name;
    const now = clock.now();
    this.lastSent = 0;
    this.expire(now);
    this.gauge();
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) {
      this.releaseClaimed();
      // A pause is an outage the user chose: on resume a large backlog becomes a digest too.
      this.recovering = true;
      this.heldBy = 'pause';
      return Math.min(paused - now, SWEEP_MS);
    }
    let rows = this.claimed;
    this.claimed = [];
    if (!rows.length) {
      const head = this.store.head(name);
      this.health.nextAttemptAt = head ? Math.max(head.nextAttemptAt, now) : null;
      if (!head) {
        this.recovering = false;
        this.heldBy = 'outage';
        return null;
      }
      if (head.nextAttemptAt > now) return Math.max(1, Math.min(head.nextAttemptAt, head.expiresAt) - now);
      if (this.digestDue(head)) {
        const parts = this.fold(now);
        // Folded once per recovery: what is left (messages with buttons, the digests) goes out in order.
        this.recovering = false;
        this.ctx.log.info({ channel: name, digests: parts }, 'outbox backlog folded into digests');
        this.ctx.changed(Collection.outbox);
        return 0;
      }
      rows = this.ctx.stores.transaction(() => this.store.claim(name, now, this.batch));
      if (!rows.length) return 0;
    }
    this.holding = rows;
    this.health.nextAttemptAt = now;
    // In order; the first failure stops the batch (the head blocks the queue).
    const results: Array<{ row: OutboxRow; result: SendResult; dropped?: string; rewritten?: boolean; thread?: OutboxThread }> = [];
    // Threads this batch changed (settled together after it): a later row of the same incident folds into the earlier one.
    const threads = new Map<string, OutboxThread>();
    for (const queued of rows) {
      // Sent as what its alert is now: an acknowledgement or resolution while it waited changes it.
      const current = this.reconciled(queued, clock.now());
      if ('drop' in current) {
        results.push({ row: queued, result: { ok: true }, dropped: current.drop });
        continue;
      }
      const row = current.send === queued.message ? queued : { ...queued, message: current.send };
      const { result, thread } = await this.deliver(row, threads);
      if (this.stopped) break;
      // Meant for nobody here (the channel says why): dropped, not failed, and it does not block the queue behind it.
      if (!result.ok && result.dropped) {
        results.push({ row: queued, result: { ok: true }, dropped: result.error });
        continue;
      }
      results.push({ row, result, rewritten: row !== queued, thread });
      if (!result.ok) break;
    }
    this.lastSent = results.length;
    if (this.stopped && !this.ctx.stores.isOpen()) return null;
    // Graceful stop mid-send: the aborted and unsent rows are not attempts; they go again on the next start (at least once).
    const unsent = rows.slice(results.length);
    const plans = results.map((r) => ({ ...this.plan(r.row, r.result), dropped: r.dropped, rewritten: r.rewritten, thread: r.thread }));
    const done = clock.now();
    this.claimed = this.ctx.stores.transaction(() => {
      for (const p of plans) this.record(p, done);
      for (const r of unsent) this.store.release(r.id);
      return this.stopped || plans.some((p) => !p.result.ok) ? [] : this.claimNext(done);
    });
    this.holding = [];
    for (const p of plans) this.report(p, done);
    this.ctx.changed(Collection.outbox);
    return this.stopped ? null : 0;
  }

  private reconciled(row: OutboxRow, now: number) {
    const fp = row.message.fingerprint;
    return reconcile({
      row,
      channelType: this.channel.type,
      now,
      alert: () => (fp === null ? null : (this.opts.alertNow?.(fp) ?? null)),
      resolutionsAfter: () => this.store.resolutionsAfter(this.channel.name, row.id),
    });
  }

  /**
   * Fold the pending backlog into digests that list every message (R-NOTIFY-2), split to fit the channel.
   * Messages whose alert changed meanwhile are reconciled first; messages with buttons stay whole.
   */
  private fold(now: number): number {
    const name = this.channel.name;
    return this.ctx.stores.transaction(() => {
      const rows: OutboxRow[] = [];
      for (const row of this.store.pending(name)) {
        const r = this.reconciled(row, now);
        if ('drop' in r) this.store.markDropped(row.id, r.drop);
        else if (r.send !== row.message) {
          this.store.rewrite(row.id, r.send);
          rows.push({ ...row, message: r.send });
        } else rows.push(row);
      }
      const fold = rows.filter(foldable);
      if (fold.length < 2) return 0;
      const parts = buildDigests(name, fold, this.heldBy, this.channel.fits?.bind(this.channel));
      for (const p of parts)
        this.store.addDigest(
          name,
          p.key,
          p.message,
          p.rows.map((r) => r.id),
          now,
          now + this.ctx.config.outbox.expireAfter,
        );
      return parts.length;
    });
  }

  /** After an outage or pause, a backlog over the threshold goes out as digests (human channels only). */
  private digestDue(head: OutboxRow): boolean {
    return (
      this.recovering &&
      this.channel.digests !== false &&
      !isDigestKey(head.key) &&
      this.store.backlog(this.channel.name) > this.ctx.config.outbox.digestThreshold
    );
  }

  /** Inside the settling transaction: the next batch, unless the next step must look first (pause, digest). */
  private claimNext(now: number): OutboxRow[] {
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) return [];
    const head = this.store.head(this.channel.name);
    if (!head || this.digestDue(head)) return [];
    return this.store.claim(this.channel.name, now, this.batch);
  }

  /**
   * Deliver one row: a message of an incident whose thread is open on a channel that can edit is folded into the
   * incident's message (R-NOTIFY-8, notify/threads.ts); anything else is sent as a new message.
   */
  private async deliver(row: OutboxRow, threads: Map<string, OutboxThread>): Promise<{ result: SendResult; thread?: OutboxThread }> {
    const m = row.message;
    const edit = this.channel.edit?.bind(this.channel);
    if (!m.thread || !edit) return { result: await this.attempt(row) };
    const key = m.thread.key;
    const t = threads.get(key) ?? this.store.thread(this.channel.name, key);
    const now = this.ctx.clock.now();
    const plan = planThread(m, t, now);
    const result =
      plan.how === 'edit' ? await this.attempt(row, (signal) => edit(plan.message, plan.ref, row.key, signal)) : await this.attempt(row);
    if (!result.ok) return { result };
    const next = nextThread(this.channel.name, m, plan.how, t, result.ref, now);
    if (!next) return { result };
    threads.set(key, next);
    return { result, thread: next };
  }

  private async attempt(
    head: OutboxRow,
    op: (signal: AbortSignal) => Promise<SendResult> = (signal) => this.channel.send(head.message, head.key, signal),
  ): Promise<SendResult> {
    const abort = new AbortController();
    const ms = this.channel.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = this.ctx.clock.setTimeout(() => abort.abort(new Error(`no answer within ${ms} ms`)), ms);
    const done = op(abort.signal).catch((e: unknown): SendResult => ({
      ok: false,
      retryable: true,
      error: errorText(abort.signal.reason ?? e),
    }));
    this.inflight = { abort, done };
    try {
      return await done;
    } finally {
      timer.cancel();
      this.inflight = null;
    }
  }

  /** The outcome of one attempt, with its retry delay drawn once. */
  private plan(row: OutboxRow, result: SendResult): { row: OutboxRow; result: SendResult; delay: number } {
    const delay =
      result.ok || !result.retryable
        ? 0
        : result.retryAfterMs !== undefined
          ? Math.max(result.retryAfterMs, 0)
          : backoffMs(row.attempts + 1, this.ctx.config.outbox.maxBackoff, this.opts.random);
    return { row, result, delay };
  }

  /** The database half of settling an attempt (inside the settling transaction). */
  private record({ row, result, delay, dropped, rewritten, thread }: Settled, now: number): void {
    if (dropped !== undefined) return this.store.markDropped(row.id, dropped);
    if (rewritten) this.store.rewrite(row.id, row.message);
    if (result.ok && thread) {
      this.store.putThread(thread);
      // A new incident is rare: the moment to forget threads long over.
      if (thread.messages === 1 && thread.folded === 0) this.store.pruneThreads(now - THREAD_KEEP_MS);
    }
    if (result.ok) this.store.markSent(row.id, now);
    else if (!result.retryable) this.store.markFailed(row.id, result.error, now);
    else this.store.markRetry(row.id, row.attempts + 1, now + delay, result.error);
  }

  /** Metrics, health, logs and failure events, once the outcome is committed. */
  private report({ row: head, result, delay, dropped }: Settled, now: number): void {
    const { metrics, log } = this.ctx;
    const name = this.channel.name;
    if (dropped !== undefined) return log.info({ channel: name, id: head.id, reason: dropped }, 'queued message dropped');
    if (result.ok) {
      metrics.notifySent.inc({ channel: name, result: 'sent' });
      const carried = isDigestKey(head.key) ? this.store.digestItems(head.id).length : 0;
      if (carried > 0) metrics.outboxReplayed.inc({ channel: name }, carried);
      else if (head.attempts > 0 || this.health.failures > 0) metrics.outboxReplayed.inc({ channel: name });
      if (this.health.failures >= FAILING_AFTER) this.opts.onRecovery(`channel ${name}`);
      if (this.health.failures > 0) log.info({ channel: name, after: this.health.failures }, 'channel recovered');
      Object.assign(this.health, { failingSince: null, lastError: null, lastSuccessAt: now, failures: 0 });
      return;
    }
    const error = result.error;
    if (!result.retryable) {
      // Refused for good (e.g. 400): marked failed and shown, the queue moves on.
      metrics.notifySent.inc({ channel: name, result: 'failed' });
      log.warn({ channel: name, id: head.id, error }, 'message refused by channel');
      this.opts.onFailure(`channel ${name} (refused messages)`, new Error(`refused "${head.message.title}": ${error}`));
      return;
    }
    const attempts = head.attempts + 1;
    this.recovering = true;
    this.heldBy = 'outage';
    this.health.failures += 1;
    this.health.failingSince ??= now;
    this.health.lastError = error;
    log.warn({ channel: name, id: head.id, attempts, retryInMs: delay, error }, 'send failed; will retry');
    if (this.health.failures === FAILING_AFTER) {
      this.opts.onFailure(
        `channel ${name}`,
        new Error(`${FAILING_AFTER} attempts failed since ${new Date(this.health.failingSince).toISOString()}: ${error}`),
      );
    }
  }

  private expire(now: number): void {
    const expired = this.store.expireDue(this.channel.name, now);
    if (expired.length === 0) return;
    this.ctx.metrics.notifySent.inc({ channel: this.channel.name, result: 'expired' }, expired.length);
    this.ctx.changed(Collection.outbox);
    const titles = expired
      .slice(0, 3)
      .map((r) => `"${r.message.title}"`)
      .join(', ');
    this.opts.onFailure(
      `channel ${this.channel.name} (expired messages)`,
      new Error(
        `${expired.length} message(s) not delivered within ${this.ctx.config.outbox.expireAfter} ms: ${titles}${expired.length > 3 ? ', …' : ''}`,
      ),
    );
  }

  gauge(): void {
    this.ctx.metrics.outboxPending.set({ channel: this.channel.name }, this.store.backlog(this.channel.name));
  }
}
