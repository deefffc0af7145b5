import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import type { OutboxRow, OutboxStore, OutboxThread } from '../store';
import { alertsNow, deliver, reconciledRow, type Delivered, type Inflight, type Track } from './delivery';
import { expireDue, gaugeBacklog } from './expire';
import { dueDigests, promoteDigests } from './incident-digest';
import { foldBacklog, recoveryDigestDue, type HeldBy } from './recovery-digest';
import type { WorkerOptions, WorkerScope } from './scope';
import { BASE_BACKOFF_MS, planOutcome, record, report, type WorkerHealth } from './settle';
import type { Channel, SendResult } from './types';
import { sendWindow } from './window';
import { Collection } from '../../../src-shared/api/topics';

export { BASE_BACKOFF_MS, backoffMs, FAILING_AFTER } from './settle';

/** Safety sweep: expire due rows and wake sleeping workers. */
export const SWEEP_MS = 60_000;
/** Steps between yields to the event loop while draining a backlog. */
const YIELD_EVERY = 50;
/**
 * Rows behind the head (or held by a pause) are expired when the earliest of them is due, at most once a second (a
 * wave of expiries is one UPDATE a second, not one per row) and at least once a minute (an expiry setting reloaded).
 */
const EXPIRE_EVERY_MS = SWEEP_MS;
const EXPIRE_AT_MOST_EVERY_MS = 1_000;
/** While a backlog drains, its gauge is counted this often (an index count over the backlog), not every step. */
const GAUGE_EVERY_MS = 1_000;
/**
 * Settling commits fsync at most this often; the others commit replayable (synchronous = NORMAL). Why that is safe:
 * a settle records what a receiver answered, it acknowledges nothing to anyone. kill -9 loses none of it (WAL, the OS
 * has the pages). A power cut may roll back the settles of the last second (never more: WAL commits are ordered and
 * the next fsynced one, any intake append included, makes the earlier ones durable): those rows are `sending` or
 * `pending` again and are sent again with the same idempotency key — at least once, shown once (R-NOTIFY-3). The
 * rows themselves were queued by an fsynced (or replayable-from-the-inbox) transaction, so nothing acknowledged is
 * ever lost. Before: one fsynced commit per webhook message (5–7 messages/s under load).
 */
const SYNC_EVERY_MS = 1_000;

type Outcome = { row: OutboxRow; result: SendResult; dropped?: string; rewritten?: boolean } & Omit<Delivered, 'result'>;

/**
 * One worker per channel. It claims a batch of head rows, sends up to `channel.concurrency` of them at once (one
 * incident's or alert's messages one after another, in order), and settles the batch in one transaction that claims
 * the next. The head blocks the queue while it is retried: a failing channel is probed with one message at a time.
 */
export class ChannelWorker implements WorkerScope {
  private timer: TimerHandle | null = null;
  private running = false;
  private again = false;
  private scheduled = false;
  private stopped = true;
  private readonly inflight = new Set<Inflight>();
  private readonly track: Track = (f) => {
    this.inflight.add(f);
    return () => this.inflight.delete(f);
  };
  /** When the next expiry sweep of this channel's queue is due, the backlog gauge, an fsynced settle (clock ms). */
  private expireAt = 0;
  private gaugeAt = 0;
  private syncedAt = -Infinity;
  /** When the next held incident digest may fall due (0: look now; Infinity: nothing held). */
  private digestsAt = 0;
  /** Rows claimed (state `sending`) in the transaction that settled the previous ones: the next step sends them. */
  private claimed: OutboxRow[] = [];
  /** Rows the current step is sending (claimed, not yet settled). */
  private holding: OutboxRow[] = [];
  /** After a failed attempt (or a start with a backlog) the next backlog over the threshold goes out as a digest. */
  private recovering = false;
  /** Why the backlog built up (worded in the digest title). */
  private heldBy: HeldBy = 'outage';
  readonly health: WorkerHealth = { failingSince: null, lastError: null, lastSuccessAt: null, failures: 0, nextAttemptAt: null };

  constructor(
    readonly ctx: CoreContext,
    readonly store: OutboxStore,
    readonly channel: Channel,
    readonly opts: WorkerOptions,
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
    const flying = [...this.inflight];
    for (const f of flying) f.abort.abort(new Error('Vigil is stopping'));
    await Promise.all(flying.map((f) => f.done.catch(() => undefined)));
    await this.stepping?.catch(() => undefined);
    this.releaseClaimed();
  }

  /** Claimed but not attempted: back to pending, not an attempt. */
  private releaseClaimed(): void {
    const rows = this.claimed;
    this.claimed = [];
    if (rows.length && this.ctx.stores.isOpen()) this.ctx.stores.transaction(() => rows.forEach((r) => this.store.release(r.id)));
  }

  /** How many head rows one transaction may claim; one while the channel fails (the head is retried alone). */
  private get batch(): number {
    return this.health.failures > 0 ? 1 : Math.max(1, this.channel.batch ?? 1);
  }

  /** How many sends may be in flight. */
  private get width(): number {
    return this.health.failures > 0 ? 1 : Math.max(1, this.channel.concurrency ?? 1);
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
        // A wait counts from when the step looked, not from when this continuation runs: a fake clock that fired the
        // step's timer on its way may have advanced further since (the flaky R-NOTIFY-2/3 outbox test's missed retry).
        const lookedAt = this.ctx.clock.now();
        const step = (this.stepping = this.step());
        const wait = await step;
        if (this.stopped) return;
        // A long backlog on an instant channel (desktop) must not starve I/O such as /health.
        sent += this.lastSent;
        if (sent >= YIELD_EVERY) {
          sent = 0;
          await new Promise((r) => setImmediate(r));
        }
        if (wait === 0 || this.again) continue;
        if (wait === null) return;
        const left = lookedAt + wait - this.ctx.clock.now();
        if (left > 0) return void (this.timer = this.ctx.clock.setTimeout(() => void this.run(), left));
        // Its time came while the step ran (a fake clock advanced past it): look again, after I/O had its turn.
        await new Promise((r) => setImmediate(r));
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
      this.stepping = null;
    }
  }

  /** The step in progress: stop() waits for it to settle what it sent. */
  private stepping: Promise<unknown> | null = null;
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
    if (now >= this.expireAt) await this.expire(now);
    if (now >= this.gaugeAt) {
      this.gauge();
      this.gaugeAt = now + GAUGE_EVERY_MS;
    }
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) {
      this.releaseClaimed();
      // A pause is an outage the user chose: on resume a large backlog becomes a digest too.
      this.recovering = true;
      this.heldBy = 'pause';
      return Math.max(1, Math.min(paused, this.expireAt) - now); // held rows still expire on time
    }
    // An incident digest that fell due goes out before anything queued after its rows (R-NOTIFY-9).
    const digestAt = this.promoteDueDigests(now);
    let rows = this.claimed;
    this.claimed = [];
    if (!rows.length) {
      const head = this.store.head(name);
      this.health.nextAttemptAt = head ? Math.max(head.nextAttemptAt, now) : null;
      if (!head) {
        this.recovering = false;
        this.heldBy = 'outage';
        // Nothing pending and nothing in flight: the backlog is 0 without counting it (counted again when work comes).
        this.ctx.metrics.outboxPending.set({ channel: name }, 0);
        this.gaugeAt = 0;
        return digestAt === Infinity ? null : Math.max(1, digestAt - now);
      }
      // The head's time is up: expire it (and whatever else is due) now, not at the next sweep.
      if (head.expiresAt <= now) {
        await this.expire(now);
        return 0;
      }
      if (head.nextAttemptAt > now) return Math.max(1, Math.min(head.nextAttemptAt, head.expiresAt, digestAt, this.expireAt) - now);
      if (recoveryDigestDue(this, head, this.recovering)) {
        const folded = foldBacklog(this, now, this.heldBy);
        const parts = folded instanceof Promise ? await folded : folded;
        // Folded once per recovery: what is left (messages with buttons, the digests) goes out in order.
        this.recovering = false;
        this.ctx.log.info({ channel: name, digests: parts }, 'outbox backlog folded into digests');
        this.ctx.changed(Collection.outbox);
        return 0;
      }
      // Only a wait for the decider's write lock awaits (R-SCALE-18); a free lock commits at once, as before. Patient:
      // giving up after 5 s behind a descheduled decider only failed the worker (a false report) to try again later.
      const claimed = this.ctx.stores.transactionSoon(() => this.store.claim(name, now, this.batch), 'replayable', { patient: true });
      rows = claimed instanceof Promise ? await claimed : claimed;
      if (this.stopped) {
        this.claimed = rows; // stop() releases them: claimed while it waited, never attempted
        return null;
      }
      if (!rows.length) return 0;
    }
    this.holding = rows;
    this.health.nextAttemptAt = now;
    const outcomes = await this.send(rows);
    this.lastSent = outcomes.filter(Boolean).length;
    if (this.stopped && !this.ctx.stores.isOpen()) return null;
    // Only the first failure in queue order counts as the head's attempt; later rows that failed with it (a window
    // of sends into an outage) were not the head: they go back to pending, like rows never started.
    const first = outcomes.findIndex((o) => o && !o.result.ok);
    const settled = outcomes.map((o, i) => (o && (o.result.ok || i === first || !o.result.retryable) ? o : undefined));
    // Graceful stop mid-send: the aborted and unsent rows are not attempts; they go again on the next start (at least once).
    const unsent = rows.filter((_, i) => !settled[i]);
    const plans = settled.flatMap((r) =>
      r
        ? [
            {
              ...planOutcome(this, r.row, r.result),
              dropped: r.dropped,
              rewritten: r.rewritten,
              thread: r.thread,
              held: r.held,
              carried: r.carried,
            },
          ]
        : [],
    );
    const done = clock.now();
    if (plans.some((p) => p.held)) this.digestsAt = 0;
    const synced = done - this.syncedAt >= SYNC_EVERY_MS;
    // Waiting for the decider's write lock does not hold the main thread (R-SCALE-18); stop() waits for this step.
    const next = this.ctx.stores.transactionSoon(
      () => {
        for (const p of plans) record(this, p, done);
        for (const r of unsent) this.store.release(r.id);
        return this.stopped || plans.some((p) => !p.result.ok) ? [] : this.claimNext(done);
      },
      synced ? undefined : 'replayable',
      // Records sends already made: however long the lock is held, it waits (giving up sent them all again).
      { patient: true },
    );
    this.claimed = next instanceof Promise ? await next : next;
    if (synced) this.syncedAt = done;
    this.holding = [];
    for (const p of plans) {
      if (!report(this, this.health, p, done)) continue;
      this.recovering = true;
      this.heldBy = 'outage';
    }
    this.ctx.changed(Collection.outbox);
    return this.stopped ? null : 0;
  }

  /** Send a claimed batch: up to `width` at once, one incident's or alert's messages in order (notify/window.ts). */
  private send(rows: OutboxRow[]): Promise<Array<Outcome | undefined>> {
    const clock = this.ctx.clock;
    // Threads this batch changed (settled together after it): a later row of the same incident folds into the earlier one.
    const threads = new Map<string, OutboxThread>();
    const alerts = alertsNow(this, rows);
    const one = async (queued: OutboxRow): Promise<Outcome> => {
      // Sent as what its alert is now: an acknowledgement or resolution while it waited changes it.
      const current = reconciledRow(this, queued, clock.now(), alerts);
      if ('drop' in current) return { row: queued, result: { ok: true }, dropped: current.drop };
      const row = current.send === queued.message ? queued : { ...queued, message: current.send };
      const { result, thread, held, carried, sent } = await deliver(this, row, threads, this.track);
      // Meant for nobody here (the channel says why): dropped, not failed, and it does not block the queue behind it.
      if (!result.ok && result.dropped) return { row: queued, result: { ok: true }, dropped: result.error };
      // The incident's resolution is kept as sent: it says what happened and carries what was held.
      const as = sent ? { ...row, message: sent } : row;
      return { row: as, result, rewritten: as !== queued, thread, held, carried };
    };
    return sendWindow(
      rows,
      this.width,
      (i) => one(rows[i]!),
      (o) => o.result.ok,
      // Stopping, or the database is gone (shutdown, crash): nothing new starts.
      () => this.stopped || !this.ctx.stores.isOpen(),
    );
  }

  /** Expire the channel's due rows (one query); the next time is when the next pending row's time is up. */
  private async expire(now: number): Promise<void> {
    await expireDue(this, now);
    const next = this.store.nextExpiry(this.channel.name) ?? Infinity;
    this.expireAt = Math.min(now + EXPIRE_EVERY_MS, Math.max(next, now + EXPIRE_AT_MOST_EVERY_MS));
  }

  /**
   * Promote the held incident digests that fell due (channels that digest, R-NOTIFY-9); answers when the next falls
   * due. Held rows change only here and in this worker's settles, so the held threads are read only when one may be due.
   */
  private promoteDueDigests(now: number): number {
    if (this.channel.edit || !(this.channel.digestEvery ?? 0)) return Infinity;
    if (now < this.digestsAt) return this.digestsAt;
    const digests = dueDigests(this, now);
    if (digests.due.length) {
      this.releaseClaimed();
      promoteDigests(this, digests.due);
      this.ctx.changed(Collection.outbox);
    }
    this.digestsAt = digests.nextAt ?? Infinity;
    return this.digestsAt;
  }

  /** Inside the settling transaction: the next batch, unless the next step must look first (pause, digest). */
  private claimNext(now: number): OutboxRow[] {
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) return [];
    const head = this.store.head(this.channel.name);
    if (!head || recoveryDigestDue(this, head, this.recovering)) return [];
    // A held incident digest that fell due goes first: the next step promotes it.
    if (now >= this.digestsAt && !this.channel.edit && (this.channel.digestEvery ?? 0) > 0) return [];
    return this.store.claim(this.channel.name, now, this.batch);
  }

  gauge(): void {
    gaugeBacklog(this);
  }
}
