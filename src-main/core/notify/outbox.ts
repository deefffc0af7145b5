import type { ChannelHealth } from '../../../src-shared/api/outbox';
import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import type { OutboxStore } from '../store';
import { buildDigests, foldable } from './digest';
import type { AlertNow } from './reconcile';
import type { Channel, Message, OutboxWriter } from './types';
import type { WorkerOptions } from './scope';
import { ChannelWorker, SWEEP_MS } from './worker';
import type { WorkerHealth } from './settle';
import { Collection, Topic } from '../../../src-shared/api/topics';

/** Failed/expired messages this recent are shown on the status tile. */
const RECENT_MS = 24 * 3_600_000;

export interface OutboxOptions {
  /** Vigil's own failures (a channel that keeps failing, a refused message) become `vigil` events. */
  onFailure?: (what: string, err: Error) => void;
  /** The channel works again: resolve its failure event. */
  onRecovery?: (what: string) => void;
  /**
   * What these alerts are now (firing/resolved, acknowledged; an unknown one is left out): a queued message is sent as
   * that (R-NOTIFY-2). Asked once for a claimed batch's messages (notify/delivery.ts `alertsNow`).
   */
  alertNow?: (fingerprints: string[]) => Map<string, AlertNow>;
  /** Jitter source (tests may pin it). */
  random?: () => number;
  /**
   * Rows left `sending` by the last run go back to pending at start: every channel's (default), only `mine` (a
   * sender thread started again after one ended), or none (a sender thread's first start: the main thread did it).
   */
  requeue?: 'all' | 'mine' | 'none';
  /** The sender thread (core/sender): the channels it sends are driven there, not here. */
  thread?: SenderLink;
}

/** The sender thread as the main thread's outbox sees it (core/sender). */
export interface SenderLink {
  /** Whether the thread sends this channel (every one the main thread need not show itself). */
  sends(channel: Channel): boolean;
  /** Start the thread (after the main thread has requeued what the last run left `sending`); its failures are reported here. */
  start(report: Pick<WorkerOptions, 'onFailure' | 'onRecovery'>): void;
  /** Rows were queued for, or made due on, this channel: its worker on the thread looks now. */
  kick(channel: string): void;
  /** The channel's delivery health as the thread's worker last reported it. */
  health(channel: string): WorkerHealth | undefined;
  /** A secret was set: the thread's channels sign and authenticate with the new value from now on. */
  secretsChanged(): void;
  stop(): Promise<void>;
}

/** What the outbox drives per channel: a ChannelWorker on this thread, or the sender thread's. */
interface ChannelSender {
  readonly channel: Channel;
  readonly health: WorkerHealth;
  start(): void;
  stop(): Promise<void>;
  kick(): void;
  gauge(): void;
}

const IDLE: WorkerHealth = Object.freeze({ failingSince: null, lastError: null, lastSuccessAt: null, failures: 0, nextAttemptAt: null });

/** A channel the sender thread sends: started and stopped with the thread, kicked and read through it. */
function threadSender(link: SenderLink, channel: Channel): ChannelSender {
  return {
    channel,
    get health() {
      return link.health(channel.name) ?? IDLE;
    },
    start: () => undefined,
    stop: async () => undefined,
    kick: () => link.kick(channel.name),
    gauge: () => link.kick(channel.name),
  };
}

export interface Outbox {
  writer: OutboxWriter;
  store: OutboxStore;
  start(): void;
  stop(): Promise<void>;
  health(): ChannelHealth[];
  /** Each channel's delivery health as its worker keeps it (the sender thread posts these to the main thread). */
  workerHealth(): Record<string, WorkerHealth>;
  /** Make a channel's waiting head due now; returns how many rows were made due. */
  retryChannel(channel: string): number;
  /** The same from a timer or a console's connect: a wait for the decider's write lock does not hold the main thread (R-SCALE-18). */
  retryChannelSoon(channel: string): void;
  /** Retry one message: failed/expired back to pending, pending due now. */
  retryMessage(id: number): boolean;
  /** Give up on a pending message by hand (kept as expired). */
  expireMessage(id: number): boolean;
  /**
   * Live reload: workers follow the new channel list. A removed channel's worker stops; its
   * queued rows stay (shown as unconfigured, sent if the channel comes back); a changed one restarts.
   */
  setChannels(channels: readonly Channel[]): Promise<void>;
  /** Rows were queued for this channel by another thread (the decider): its sender looks now. */
  kick(channel: string): void;
  /** The digest a channel would send now, and whether its backlog is over the threshold. */
  digestPreview(channel: string): { backlog: number; threshold: number; wouldDigest: boolean; message: Message | null };
}

/** The durable outbox: producers enqueue inside their transaction; one worker per channel delivers. */
export function createOutbox(ctx: CoreContext, channels: readonly Channel[], options: OutboxOptions = {}): Outbox {
  const store = ctx.stores.outbox;
  const opts: WorkerOptions = {
    ...options,
    onFailure: options.onFailure ?? ((what, err) => ctx.log.error({ err }, what)),
    onRecovery: options.onRecovery ?? (() => undefined),
    random: options.random ?? Math.random,
  };
  const link = options.thread;
  const senderOf = (c: Channel): ChannelSender => (link?.sends(c) ? threadSender(link, c) : new ChannelWorker(ctx, store, c, opts));
  const workers = new Map(channels.map((c) => [c.name, senderOf(c)]));
  let sweep: TimerHandle | null = null;
  let running = false;
  let unsubscribe: (() => void) | null = null;
  const kickAll = () => workers.forEach((w) => w.kick());
  /** Rows for a channel no longer configured have no worker: they still expire (shown, not deleted). */
  const expireOrphans = () => {
    const now = ctx.clock.now();
    for (const c of store.counts(now - RECENT_MS)) {
      if (workers.has(c.channel) || c.backlog === 0) continue;
      const n = store.expireDue(c.channel, now).length;
      if (n > 0) {
        ctx.metrics.notifySent.inc({ channel: c.channel, result: 'expired' }, n);
        opts.onFailure(
          `channel ${c.channel} (expired messages)`,
          new Error(`${n} message(s) for a channel that is no longer configured expired undelivered`),
        );
        ctx.changed(Collection.outbox);
      }
    }
  };

  const writer: OutboxWriter = {
    enqueue(channel, message, idempotencyKey) {
      const now = ctx.clock.now();
      // A duplicate key is a no-op: the same message is queued once per channel.
      store.insert({ channel, key: idempotencyKey, message, now, expiresAt: now + ctx.config.outbox.expireAfter });
      // The worker looks after the caller's (synchronous) transaction has committed; on the decider thread
      // the senders are the main thread's, told after the commit.
      if (ctx.toMain) ctx.toMain.kickChannel(channel);
      else workers.get(channel)?.kick();
      ctx.changed(Collection.outbox);
    },
  };

  const health = (): ChannelHealth[] => {
    const now = ctx.clock.now();
    const counts = new Map(store.counts(now - RECENT_MS).map((c) => [c.channel, c]));
    const out: ChannelHealth[] = [];
    for (const w of workers.values()) {
      const c = counts.get(w.channel.name);
      const paused = w.channel.pausedUntil?.() ?? null;
      const h = w.health;
      out.push({
        name: w.channel.name,
        type: w.channel.type,
        state: paused !== null && paused > now ? 'paused' : h.failures > 0 ? 'failing' : 'ok',
        failingSince: h.failingSince,
        lastError: h.lastError,
        lastSuccessAt: h.lastSuccessAt,
        consecutiveFailures: h.failures,
        nextAttemptAt: c?.backlog ? h.nextAttemptAt : null,
        pausedUntil: paused !== null && paused > now ? paused : null,
        backlog: c?.backlog ?? 0,
        oldestPendingAt: c?.oldestPendingAt ?? null,
        failed: c?.failed ?? 0,
        expired: c?.expired ?? 0,
      });
    }
    // Rows for a channel no longer in the config are shown, never hidden.
    for (const c of counts.values()) {
      if (workers.has(c.channel)) continue;
      out.push({
        name: c.channel,
        type: 'unknown',
        state: 'unconfigured',
        failingSince: null,
        lastError: 'channel is not in the configuration; its messages wait until it is added back',
        lastSuccessAt: null,
        consecutiveFailures: 0,
        nextAttemptAt: null,
        pausedUntil: null,
        backlog: c.backlog,
        oldestPendingAt: c.oldestPendingAt,
        failed: c.failed,
        expired: c.expired,
      });
    }
    return out;
  };

  return {
    writer,
    store,
    start() {
      const requeue = options.requeue ?? 'all';
      const mine = [...workers.keys()];
      const requeued = requeue === 'none' ? 0 : store.requeueSending(requeue === 'mine' ? mine : undefined);
      if (requeued > 0) ctx.log.warn({ requeued }, 'outbox: messages caught mid-send by the last shutdown will be sent again');
      running = true;
      link?.start(opts);
      for (const w of workers.values()) w.start();
      sweep = ctx.clock.setInterval(() => {
        kickAll();
        expireOrphans();
      }, SWEEP_MS);
      // notifications.pause publishes status: a resumed desktop channel drains at once.
      unsubscribe = ctx.bus.subscribe(Topic.status, kickAll);
    },
    async stop() {
      running = false;
      sweep?.cancel();
      unsubscribe?.();
      await Promise.all([...workers.values()].map((w) => w.stop()).concat(link ? [link.stop()] : []));
    },
    health,
    workerHealth: () => Object.fromEntries([...workers].map(([name, w]) => [name, { ...w.health }])),
    kick: (channel) => workers.get(channel)?.kick(),
    async setChannels(next) {
      const keep = new Set(next);
      for (const [name, w] of [...workers]) {
        if (keep.has(w.channel)) continue;
        workers.delete(name);
        await w.stop();
      }
      for (const c of next) {
        if (workers.get(c.name)?.channel === c) continue;
        const w = senderOf(c);
        workers.set(c.name, w);
        if (running) w.start();
      }
      ctx.changed(Collection.outbox);
    },
    retryChannel(channel) {
      // Through the write gate: beside the decider thread a plain statement would sleep in SQLite's busy handler.
      const n = ctx.stores.transaction(() => store.retryChannel(channel, ctx.clock.now()));
      workers.get(channel)?.kick();
      return n;
    },
    retryChannelSoon(channel) {
      const kick = () => workers.get(channel)?.kick();
      const n = ctx.stores.transactionSoon(() => store.retryChannel(channel, ctx.clock.now()));
      if (!(n instanceof Promise)) return kick();
      // Waiting is rare and nothing waits on it: a failure (the database closing at shutdown) is logged, not thrown.
      n.then(kick, (err: unknown) => ctx.log.warn({ err, channel }, 'retrying held messages failed'));
    },
    retryMessage(id) {
      const row = store.get(id);
      if (!row) return false;
      const now = ctx.clock.now();
      const done = store.retryMessage(id, now, now + ctx.config.outbox.expireAfter);
      workers.get(row.channel)?.kick();
      if (done) ctx.changed(Collection.outbox);
      return done;
    },
    expireMessage(id) {
      const done = store.expireMessage(id, 'expired by hand');
      if (done) {
        const row = store.get(id);
        if (row) {
          ctx.metrics.notifySent.inc({ channel: row.channel, result: 'expired' });
          workers.get(row.channel)?.gauge();
          workers.get(row.channel)?.kick();
        }
        ctx.changed(Collection.outbox);
      }
      return done;
    },
    digestPreview(channel) {
      const rows = store.pending(channel);
      const threshold = ctx.config.outbox.digestThreshold;
      const ch = workers.get(channel)?.channel;
      const digests = ch?.digests !== false;
      const parts = digests ? buildDigests(channel, rows.filter(foldable), 'outage', ch?.fits?.bind(ch)) : [];
      return {
        backlog: rows.length,
        threshold,
        wouldDigest: digests && rows.length > threshold,
        message: parts[0]?.message ?? null,
      };
    },
  };
}
