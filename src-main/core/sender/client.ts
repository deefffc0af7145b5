import { Worker } from 'node:worker_threads';
import type { Counter } from 'prom-client';
import type { CoreContext } from '../context';
import type { Metrics } from '../metrics';
import type { OutboxOptions, SenderLink, WorkerHealth } from '../notify';
import { secretRefs } from '../settings';
import { threadEnded, workerScript } from '../store';
import { sentByThread, type FromSender, type SenderData, type ToSender } from './protocol';

/** A thread that ended is started again after this, doubled for each one in a row that ended within STABLE_MS (at most 60 s). */
const RESTART_MS = 1_000;
const STABLE_MS = 60_000;
/** A stop waits this long for the thread to settle what it was sending, then ends it (rows left `sending` are sent again). */
const STOP_MS = 15_000;

/**
 * The main thread's side of the sender worker (docs/architecture.md "Threads"): it starts the thread when the outbox
 * starts, tells it which channel to look at (rows queued by the decider or by this thread, a retry by hand), posts
 * reloads and secrets, and carries out what it posts back. A thread that ends is started again; it requeues the rows
 * it left `sending` (at least once, the same idempotency keys). Null when the worker script is missing.
 */
export function startSender(ctx: CoreContext, dataDir: string): SenderLink | null {
  const script = workerScript(__dirname, 'worker.ts', 'sender-worker.js');
  if (!script) {
    ctx.log.warn('sender worker script not found; sending on the main thread');
    return null;
  }
  let worker: Worker | null = null;
  let report: Required<Pick<OutboxOptions, 'onFailure' | 'onRecovery'>> | null = null;
  let stopping: (() => void) | null = null;
  let startedAt = 0;
  let inARow = 0;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  /** The main thread's outbox has started (and requeued what the last run left `sending`): the thread may send. */
  let started = false;
  const health = new Map<string, WorkerHealth>();
  /** The values of the secrets the channels name (Settings may set them at any time: posted again then). */
  const secrets = (config = ctx.config): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, usedBy] of secretRefs(config)) {
      const value = usedBy.some((u) => u.startsWith('channels[')) ? ctx.secrets.get(name) : undefined;
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
  const post = (m: ToSender) => worker?.postMessage(m);
  // Kicks are posted once the caller's (synchronous) transaction has committed, one per channel per burst: a row
  // queued inside it is not visible to the thread's connection before then.
  const kicked = new Set<string>();
  const postKicks = () => {
    for (const channel of kicked) post({ type: 'kick', channel });
    kicked.clear();
  };

  const onMessage = (m: FromSender) => {
    if (m.type === 'publish') return ctx.bus.publish(m.topic, m.payload as never);
    if (m.type === 'count') return (ctx.metrics[m.metric as keyof Metrics] as Counter).inc(m.labels, m.n);
    if (m.type === 'pending') return ctx.metrics.outboxPending.set({ channel: m.channel }, m.n);
    if (m.type === 'health') return void Object.entries(m.health).forEach(([name, h]) => health.set(name, h));
    if (m.type === 'failure') return report?.onFailure(m.what, new Error(m.error));
    if (m.type === 'recovery') return report?.onRecovery(m.what);
    stopping?.();
  };

  const spawn = () => {
    startedAt = Date.now();
    const data: SenderData = {
      config: ctx.config,
      dataDir,
      secrets: secrets(),
      writeGate: ctx.stores.writeGate.sab,
      restarted: restarts > 0,
      start: started,
    };
    const w = new Worker(script.source, { eval: script.eval, workerData: data });
    w.unref(); // never what holds the process open
    worker = w;
    w.on('message', (batch: FromSender[]) => batch.forEach(onMessage));
    let crashed: string | null = null;
    w.on('error', (err) => {
      crashed = err.message || String((err as { code?: unknown }).code);
      ctx.log.error({ err }, 'sender thread crashed');
    });
    w.on('exit', (code) => {
      if (w !== worker) return;
      worker = null;
      threadEnded(data.writeGate, 'bulk'); // what it left up, ended mid-write
      if (stopping) return stopping();
      if (Date.now() - startedAt >= STABLE_MS) inARow = 0;
      const delay = Math.min(60_000, RESTART_MS * 2 ** inARow++);
      ctx.log.error({ code, delay }, 'sender thread ended; starting it again');
      const why = crashed ? `it crashed: ${crashed}` : `it ended (exit code ${code})`;
      report?.onFailure('the sender thread', new Error(`${why}; starting it again in ${delay / 1000} s`));
      restartTimer = setTimeout(() => {
        restartTimer = null;
        restarts++;
        spawn();
      }, delay);
      restartTimer.unref();
    });
  };

  // Spawned with the core, as the decider is: it opens its connection before the storm the main thread may soon serve.
  spawn();
  // A reload accepted here: the thread's channels follow it (posted after the main thread's own apply).
  ctx.onReload((next) => () => post({ type: 'config', config: next, secrets: secrets(next) }));

  return {
    sends: sentByThread,
    start(r) {
      report = { onFailure: r.onFailure, onRecovery: r.onRecovery };
      started = true;
      post({ type: 'start' });
    },
    kick(channel) {
      if (kicked.size === 0) queueMicrotask(postKicks);
      kicked.add(channel);
    },
    health: (channel) => health.get(channel),
    secretsChanged: () => post({ type: 'secrets', secrets: secrets() }),
    async stop() {
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      await new Promise<void>((done) => {
        const timer = setTimeout(done, STOP_MS);
        stopping = () => {
          clearTimeout(timer);
          done();
        };
        w.postMessage({ type: 'stop' } satisfies ToSender);
      });
      worker = null;
      await w.terminate();
    },
  };
}
