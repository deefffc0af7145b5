import type { Clock } from '../../clock';
import type { Config } from '../../config';
import { VigilError } from '../../errors';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { QUEUE_STATES, type MemoryRepository, type Stores } from '../../store';
import type { Handlers } from '../../../../src-shared/api';
import { createEmbedWorker } from './embed-worker';
import { createOllamaEmbedder, type Embedder } from './embedder';
import { recall } from './recall';
import { createSafeActions, type AuditWriter } from './safe-actions';

export { SAFE_ACTIONS, isSafeAction, runAutomaticActions, type SafeActionSubject, type AuditWriter } from './safe-actions';
export type { RecallResult } from './recall';

export interface OpenClawDeps {
  /** The insights repository (ctx.stores.memory in the core). */
  repo: MemoryRepository;
  /** ctx.stores.transaction: a safe action's memory writes and audit row commit together. */
  transaction: Stores['transaction'];
  embeddings: Config['embeddings'];
  clock: Clock;
  metrics: Metrics;
  fetch: typeof fetch;
  audit: AuditWriter;
  log?: Logger;
  /** Tests inject an embedder; otherwise built from the config. */
  embedder?: Embedder | null;
  /** Told after every write to the insights or their queue, so the console refetches (Memory page, agent settings). */
  changed?: () => void;
}

type MemoryMethods = 'memory.search' | 'memory.add' | 'memory.flags' | 'memory.queue' | 'memory.safeAction';

/** OpenClaw: the insights store, its embedding queue, recall and the L2 safe actions. */
export function createOpenClaw(d: OpenClawDeps) {
  const repo = announcing(d.repo, d.changed ?? (() => undefined));
  const embedder =
    d.embedder !== undefined
      ? d.embedder
      : d.embeddings.provider === 'ollama'
        ? createOllamaEmbedder({
            baseUrl: d.embeddings.baseUrl,
            model: d.embeddings.model,
            timeout: d.embeddings.timeout,
            fetch: d.fetch,
            clock: d.clock,
          })
        : null;
  const worker = createEmbedWorker({ repo, embedder, clock: d.clock, metrics: d.metrics, log: d.log });
  const safe = createSafeActions({ repo, transaction: d.transaction, audit: d.audit, clock: d.clock, metrics: d.metrics });
  const search = (query: string, opts: Parameters<typeof recall>[3] = {}) => recall(repo, embedder, query, opts);

  const handlers: Pick<Handlers, MemoryMethods> = {
    'memory.search': async ({ query, mode, limit }) => {
      const r = await search(query, { mode, limit });
      return { used: r.used, note: r.note, results: r.hits };
    },
    'memory.add': ({ kind, title, body, tags }) => {
      const i = repo.add({ kind, source: 'console', title, body, tags }, d.clock.now());
      worker.publish();
      return i;
    },
    'memory.flags': ({ flag, limit }) => ({ items: repo.listFlagged(flag ?? null, limit) }),
    'memory.queue': ({ limit }) => ({
      provider: embedder ? d.embeddings.provider : 'none',
      model: embedder?.model ?? null,
      counts: repo.queueCounts(),
      stale: repo.staleCount(d.clock.now() - 120_000),
      items: repo.queueItems(
        QUEUE_STATES.filter((s) => s !== 'done'),
        limit,
      ),
    }),
    'memory.safeAction': ({ action, insightId, actor }) => {
      const i = repo.get(insightId);
      if (!i) throw new VigilError('not_found', `insight ${insightId} does not exist`);
      return safe.run(action, { insightId, title: i.title, source: i.source }, actor);
    },
  };

  return { repo, embedder, worker, safe, search, handlers };
}
export type OpenClaw = ReturnType<typeof createOpenClaw>;

/**
 * The repository with every write followed by `changed()`. Wrapping the one
 * repository that every writer (console, safe actions, AutoHeal's knowledge,
 * the embedding worker) shares means no writer can forget to say so.
 */
function announcing(repo: MemoryRepository, changed: () => void): MemoryRepository {
  const after =
    <A extends unknown[], R>(fn: (...a: A) => R) =>
    (...a: A): R => {
      const r = fn(...a);
      changed();
      return r;
    };
  const { add, update, enqueue, resetStale, backfill, complete, fail, dropVectors } = repo;
  return {
    ...repo,
    add: after(add),
    update: after(update),
    enqueue: after(enqueue),
    resetStale: after(resetStale),
    backfill: after(backfill),
    complete: after(complete),
    fail: after(fail),
    dropVectors: after(dropVectors),
  };
}
