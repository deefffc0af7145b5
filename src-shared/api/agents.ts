import { z } from 'zod';
import { method } from './define';

/** OpenClaw memory and ElephantAlpha plans: what the Memory and Plans pages call. */

export const InsightKind = z.enum(['incident', 'resolution', 'knowledge', 'note']);
export const Insight = z.object({
  id: z.number(),
  kind: InsightKind,
  source: z.string(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  flags: z.array(z.string()),
  ref: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Insight = z.infer<typeof Insight>;

export const MemorySearchResult = z.object({
  /** Which search ran: semantic (vectors), keyword (FTS5 BM25) or hybrid (both, fused). */
  used: z.enum(['semantic', 'keyword', 'hybrid']),
  /** Why the requested mode was not used, if it was not. */
  note: z.string().nullable(),
  results: z.array(z.object({ insight: Insight, score: z.number(), via: z.array(z.enum(['vector', 'keyword'])) })),
});
export type MemorySearchResult = z.infer<typeof MemorySearchResult>;

export const EmbeddingQueueState = z.enum(['pending', 'processing', 'done', 'failed']);
const tag = z.string().min(1).max(64);

export const memoryApi = {
  'memory.search': method(
    z
      .object({
        query: z.string().trim().min(1).max(500),
        mode: z.enum(['auto', 'semantic', 'keyword']).default('auto'),
        limit: z.number().int().min(1).max(50).default(10),
      })
      .strict(),
    MemorySearchResult,
    'Recall insights: vectors when available, keywords otherwise, fused when both exist.',
  ),
  'memory.add': method(
    z
      .object({
        kind: z.enum(['knowledge', 'note']),
        title: z.string().trim().min(1).max(300),
        body: z.string().max(20_000).default(''),
        tags: z.array(tag).max(20).default([]),
      })
      .strict(),
    Insight,
    'Write a knowledge entry or a note; its embedding is queued in the same transaction.',
  ),
  'memory.flags': method(
    z
      .object({ flag: z.enum(['human_review', 'km', 'relearn']).optional(), limit: z.number().int().min(1).max(500).default(100) })
      .strict(),
    z.object({ items: z.array(Insight) }),
    'Insights flagged by the L2 safe actions (human review, routed to KM, marked for relearn).',
  ),
  'memory.queue': method(
    z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict(),
    z.object({
      provider: z.string(),
      model: z.string().nullable(),
      counts: z.record(EmbeddingQueueState, z.number()),
      stale: z.number(),
      items: z.array(
        z.object({ insightId: z.number(), title: z.string(), state: EmbeddingQueueState, attempts: z.number(), lastError: z.string().nullable(), updatedAt: z.number() }),
      ),
    }),
    'The embedding queue: counts per state and the items not yet done.',
  ),
  'memory.safeAction': method(
    z
      .object({
        action: z.enum(['flag_for_human_review', 'route_to_km', 'mark_for_relearn']),
        insightId: z.number().int().positive(),
        actor: z.string().trim().min(1).max(100).default('console'),
      })
      .strict(),
    z.object({ action: z.string(), insightId: z.number() }),
    'Run an L2 safe action on an insight (audited memory write).',
  ),
};
