import type { Clock, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import type { Insight, MemoryRepository } from '../../store';
import type { Embedder } from './embedder';

export interface EmbedWorkerOptions {
  repo: MemoryRepository;
  embedder: Embedder | null;
  clock: Clock;
  metrics: Metrics;
  log?: Logger;
  /** processing items untouched this long are taken to be orphaned (the worker died). */
  staleAfter?: number;
  maxAttempts?: number;
  batch?: number;
  interval?: number;
}

export interface EmbedRun {
  reset: number;
  backfilled: number;
  done: number;
  failed: number;
  retried: number;
}

export const embeddingText = (i: Pick<Insight, 'title' | 'body' | 'tags'>): string =>
  [i.title, i.body, i.tags.length ? `tags: ${i.tags.join(', ')}` : ''].filter(Boolean).join('\n').slice(0, 8000);

/**
 * The embedding queue (R-MEMORY-2): each pass resets stale processing
 * items, backfills insights that have no vector (written by another path or
 * before a model change), then embeds a batch: pending → processing →
 * done, or back to pending / failed after maxAttempts.
 */
export function createEmbedWorker(o: EmbedWorkerOptions) {
  const staleAfter = o.staleAfter ?? 120_000;
  const maxAttempts = o.maxAttempts ?? 5;
  const batch = o.batch ?? 16;
  let running: Promise<EmbedRun> | null = null;
  let timer: TimerHandle | null = null;
  // After a failed batch the provider is probably down: scheduled passes back off (×2, up to 5 min),
  // so an outage of a minute does not use up every item's attempts.
  const interval = o.interval ?? 5_000;
  let backoff = 0;
  let nextAt = 0;

  const publish = () => {
    const c = o.repo.queueCounts();
    for (const [state, n] of Object.entries(c)) o.metrics.embeddingQueue.set({ state }, n);
  };

  async function pass(): Promise<EmbedRun> {
    const now = o.clock.now();
    const run: EmbedRun = { reset: o.repo.resetStale(now - staleAfter, now), backfilled: 0, done: 0, failed: 0, retried: 0 };
    const embedder = o.embedder;
    if (embedder) {
      run.backfilled = o.repo.backfill(embedder.model, now);
      const items = o.repo.claim(batch, o.clock.now());
      if (items.length) {
        try {
          const vectors = await embedder.embed(items.map(embeddingText));
          items.forEach((item, k) => o.repo.complete(item.id, embedder.model, vectors[k] as Float32Array, o.clock.now()));
          run.done = items.length;
          backoff = 0;
        } catch (e) {
          backoff = Math.min(backoff ? backoff * 2 : interval * 2, 300_000);
          nextAt = o.clock.now() + backoff;
          const msg = (e as Error).message;
          o.log?.warn({ err: msg, items: items.length }, 'embedding failed');
          for (const item of items) {
            if (o.repo.fail(item.id, msg, maxAttempts, o.clock.now()) === 'failed') run.failed++;
            else run.retried++;
          }
        }
      }
    }
    publish();
    return run;
  }

  return {
    /** One pass; concurrent callers share the pass in flight. */
    runOnce(): Promise<EmbedRun> {
      running ??= pass().finally(() => {
        running = null;
      });
      return running;
    },
    /** Resolves when no pass is running (tests, shutdown). */
    idle: (): Promise<void> =>
      running
        ? running.then(
            () => undefined,
            () => undefined,
          )
        : Promise.resolve(),
    publish,
    start() {
      publish();
      timer = o.clock.setInterval(() => {
        if (o.clock.now() < nextAt) return;
        void this.runOnce().catch((e: Error) => o.log?.error({ err: e.message }, 'embedding pass failed'));
      }, interval);
    },
    async stop() {
      timer?.cancel();
      await running?.catch(() => undefined);
    },
  };
}
export type EmbedWorker = ReturnType<typeof createEmbedWorker>;
