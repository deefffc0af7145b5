import { openContext } from '../areas';
import { createLogger } from '../log';
import { forwardCounters } from '../metrics';
import { channelSet, createOutbox } from '../notify';
import type { Config } from '../config';
import { sentByThread, type FromSender, type SenderData } from './protocol';

/**
 * The outbox's sending loop in the sender role (runs on the sender thread, docs/architecture.md "Threads"): its own
 * connection claims and settles, the channels' HTTP requests go out from here, and the channel workers are the same
 * ChannelWorker as on the main thread — the same order, windows, retries, expiry, digests and threads (R-NOTIFY-*).
 * Only small messages go to the main thread (protocol.ts). No areas are wired: nothing here decides or serves.
 */
export function createSenderCore(data: SenderData, post: (m: FromSender) => void) {
  const log = createLogger(data.dataDir).child({ thread: 'sender' });
  let secrets = new Map(Object.entries(data.secrets));
  const rt = openBusy(() =>
    openContext({
      config: data.config,
      dataDir: data.dataDir,
      log,
      secrets: { get: (name) => secrets.get(name), names: () => [...secrets.keys()] },
      writeGate: data.writeGate,
      ownThreads: false,
    }),
  );
  const { ctx } = rt;
  // Claims and settles: the decider steps aside for them, the main thread's writes go first, and none fails for waiting.
  ctx.stores.writeGate.mode = 'bulk';
  // Console updates (ctx.changed) and an on-call page's desktop notice are published on the main thread's bus.
  ctx.bus.publish = (topic, payload) => post({ type: 'publish', topic, payload });
  forwardCounters(ctx.metrics, (metric, labels, n) => post({ type: 'count', metric, labels, n }));
  const pending = ctx.metrics.outboxPending;
  pending.set = ((labels: { channel: string }, n: number) => post({ type: 'pending', channel: labels.channel, n })) as typeof pending.set;

  const channels = channelSet(ctx, { pausedUntil: () => null });
  const outbox = createOutbox(ctx, channels.current().filter(sentByThread), {
    onFailure: (what, err) => post({ type: 'failure', what, error: err.message }),
    onRecovery: (what) => post({ type: 'recovery', what }),
    // Read fresh from the database (the decider writes alert states): one narrow statement a message.
    alertNow: (fps) => ctx.stores.alerts.now(fps),
    requeue: data.restarted ? 'mine' : 'none',
  });

  // The channels' health after each change (a settle, an expiry), at most one message per turn of the event loop.
  let healthQueued = false;
  const postHealth = () => {
    healthQueued = false;
    post({ type: 'health', health: outbox.workerHealth() });
  };
  const changed = ctx.changed;
  ctx.changed = (...what) => {
    changed(...what);
    if (healthQueued) return;
    healthQueued = true;
    setImmediate(postHealth);
  };

  return {
    ctx,
    outbox,
    start: () => outbox.start(),
    kick: (channel: string) => outbox.kick(channel),
    setSecrets(values: Record<string, string>): void {
      secrets = new Map(Object.entries(values)); // the main thread's retry of the channels using it follows
    },
    /** A reload the main thread accepted: the channels follow it (an unchanged one keeps its worker). */
    async applyConfig(next: Config, values: Record<string, string>): Promise<void> {
      ctx.config = next;
      secrets = new Map(Object.entries(values));
      await outbox.setChannels(channels.rebuild().filter(sentByThread));
    },
    async stop(): Promise<void> {
      await outbox.stop(); // in-flight sends aborted, claimed rows back to pending
      rt.cancelChanged();
      postHealth();
      await ctx.stores.intake.close();
      await ctx.stores.reads.close();
      rt.db.close();
      ctx.stores.inbox.close();
      log.flush();
    },
  };
}

/**
 * Opening the database sets WAL mode before its busy timeout is in force: while another thread commits back to back
 * (a thread started again mid-storm) that answers SQLITE_BUSY at once. Tried again for up to 30 s.
 */
function openBusy<T>(open: () => T): T {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      return open();
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > end) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}
