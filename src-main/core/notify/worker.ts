import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import type { OutboxRow, OutboxStore, OutboxThread } from '../store';
import { deliver, reconciledRow, type Delivered, type Inflight } from './delivery';
import { expireDue, gaugeBacklog } from './expire';
import { dueDigests, promoteDigests } from './incident-digest';
import { foldBacklog, recoveryDigestDue, type HeldBy } from './recovery-digest';
import type { WorkerOptions, WorkerScope } from './scope';
import { BASE_BACKOFF_MS, planOutcome, record, report, type WorkerHealth } from './settle';
import type { Channel, SendResult } from './types';
import { Collection } from '../../../src-shared/api/topics';

export { BASE_BACKOFF_MS, backoffMs, FAILING_AFTER } from './settle';

/** Safety sweep: expire due rows and wake sleeping workers. */
export const SWEEP_MS = 60_000;
/** Steps between yields to the event loop while draining a backlog. */
const YIELD_EVERY = 50;

/** One worker per channel: strictly in order, one send in flight, the head blocks the queue while it is retried. */
export class ChannelWorker implements WorkerScope {
  private timer: TimerHandle | null = null;
  private running = false;
  private again = false;
  private scheduled = false;
  private stopped = true;
  private inflight: Inflight | null = null;
  private readonly track = (f: Inflight | null): void => {
    this.inflight = f;
  };
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
    expireDue(this, now);
    this.gauge();
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) {
      this.releaseClaimed();
      // A pause is an outage the user chose: on resume a large backlog becomes a digest too.
      this.recovering = true;
      this.heldBy = 'pause';
      return Math.min(paused - now, SWEEP_MS);
    }
    // An incident digest that fell due goes out before anything queued after its rows (R-NOTIFY-9).
    const digests = this.channel.edit ? null : dueDigests(this, now);
    if (digests?.due.length) {
      this.releaseClaimed();
      promoteDigests(this, digests.due);
      this.ctx.changed(Collection.outbox);
    }
    const digestAt = digests?.nextAt ?? Infinity;
    let rows = this.claimed;
    this.claimed = [];
    if (!rows.length) {
      const head = this.store.head(name);
      this.health.nextAttemptAt = head ? Math.max(head.nextAttemptAt, now) : null;
      if (!head) {
        this.recovering = false;
        this.heldBy = 'outage';
        return digestAt === Infinity ? null : Math.max(1, digestAt - now);
      }
      if (head.nextAttemptAt > now) return Math.max(1, Math.min(head.nextAttemptAt, head.expiresAt, digestAt) - now);
      if (recoveryDigestDue(this, head, this.recovering)) {
        const parts = foldBacklog(this, now, this.heldBy);
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
    const results: Array<{ row: OutboxRow; result: SendResult; dropped?: string; rewritten?: boolean } & Omit<Delivered, 'result'>> = [];
    // Threads this batch changed (settled together after it): a later row of the same incident folds into the earlier one.
    const threads = new Map<string, OutboxThread>();
    for (const queued of rows) {
      // Sent as what its alert is now: an acknowledgement or resolution while it waited changes it.
      const current = reconciledRow(this, queued, clock.now());
      if ('drop' in current) {
        results.push({ row: queued, result: { ok: true }, dropped: current.drop });
        continue;
      }
      const row = current.send === queued.message ? queued : { ...queued, message: current.send };
      const { result, thread, held, carried, sent } = await deliver(this, row, threads, this.track);
      if (this.stopped) break;
      // Meant for nobody here (the channel says why): dropped, not failed, and it does not block the queue behind it.
      if (!result.ok && result.dropped) {
        results.push({ row: queued, result: { ok: true }, dropped: result.error });
        continue;
      }
      // The incident's resolution is kept as sent: it says what happened and carries what was held.
      const as = sent ? { ...row, message: sent } : row;
      results.push({ row: as, result, rewritten: as !== queued, thread, held, carried });
      if (!result.ok) break;
    }
    this.lastSent = results.length;
    if (this.stopped && !this.ctx.stores.isOpen()) return null;
    // Graceful stop mid-send: the aborted and unsent rows are not attempts; they go again on the next start (at least once).
    const unsent = rows.slice(results.length);
    const plans = results.map((r) => ({
      ...planOutcome(this, r.row, r.result),
      dropped: r.dropped,
      rewritten: r.rewritten,
      thread: r.thread,
      held: r.held,
      carried: r.carried,
    }));
    const done = clock.now();
    this.claimed = this.ctx.stores.transaction(() => {
      for (const p of plans) record(this, p, done);
      for (const r of unsent) this.store.release(r.id);
      return this.stopped || plans.some((p) => !p.result.ok) ? [] : this.claimNext(done);
    });
    this.holding = [];
    for (const p of plans) {
      if (!report(this, this.health, p, done)) continue;
      this.recovering = true;
      this.heldBy = 'outage';
    }
    this.ctx.changed(Collection.outbox);
    return this.stopped ? null : 0;
  }

  /** Inside the settling transaction: the next batch, unless the next step must look first (pause, digest). */
  private claimNext(now: number): OutboxRow[] {
    const paused = this.channel.pausedUntil?.() ?? null;
    if (paused !== null && paused > now) return [];
    const head = this.store.head(this.channel.name);
    if (!head || recoveryDigestDue(this, head, this.recovering)) return [];
    // A held incident digest that fell due goes first: the next step promotes it.
    if (!this.channel.edit && dueDigests(this, now).due.length) return [];
    return this.store.claim(this.channel.name, now, this.batch);
  }

  gauge(): void {
    gaugeBacklog(this);
  }
}
