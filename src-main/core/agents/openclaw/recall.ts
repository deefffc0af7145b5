import type { Insight, MemoryRepository, Ranked } from '../../store';
import type { Embedder } from './embedder';

export type RecallMode = 'auto' | 'semantic' | 'keyword';
export type RecallUsed = 'semantic' | 'keyword' | 'hybrid';

export interface RecallHit {
  insight: Insight;
  /** Fused score (higher is better). */
  score: number;
  via: Array<'vector' | 'keyword'>;
}

export interface RecallResult {
  used: RecallUsed;
  /** Why the requested mode was not used, when it was not. */
  note: string | null;
  hits: RecallHit[];
}

/** Reciprocal rank fusion: rank-based, so bm25 and cosine need no common scale. */
const RRF_K = 60;

function fuse(
  lists: Array<{ via: 'vector' | 'keyword'; ranked: Ranked[] }>,
): Map<number, { score: number; via: Array<'vector' | 'keyword'> }> {
  const out = new Map<number, { score: number; via: Array<'vector' | 'keyword'> }>();
  for (const { via, ranked } of lists) {
    ranked.forEach((r, rank) => {
      const e = out.get(r.id) ?? { score: 0, via: [] };
      e.score += 1 / (RRF_K + rank + 1);
      e.via.push(via);
      out.set(r.id, e);
    });
  }
  return out;
}

/**
 * Recall (R-MEMORY-4): vector KNN when the provider answers and vectors
 * exist for its model, FTS5 BM25 otherwise, both fused when both exist.
 */
export async function recall(
  repo: MemoryRepository,
  embedder: Embedder | null,
  query: string,
  opts: { mode?: RecallMode; limit?: number; signal?: AbortSignal } = {},
): Promise<RecallResult> {
  const mode = opts.mode ?? 'auto';
  const limit = opts.limit ?? 10;
  const depth = Math.max(limit * 3, 20);
  let vector: Ranked[] | null = null;
  let note: string | null = null;

  if (mode !== 'keyword') {
    if (!embedder) note = 'no embedding provider is configured (embeddings.provider: none)';
    else if (repo.vectorCount(embedder.model) === 0) note = `no insight has a vector for ${embedder.model} yet`;
    else {
      try {
        const [q] = await embedder.embed([query], opts.signal);
        if (q) vector = repo.nearest(embedder.model, q, depth);
      } catch (e) {
        note = `the embedding provider failed: ${(e as Error).message}`;
      }
    }
  }
  const keyword = mode === 'semantic' && vector ? [] : repo.keyword(query, depth);
  const used: RecallUsed = vector ? (mode === 'semantic' ? 'semantic' : 'hybrid') : 'keyword';
  const fused = fuse([...(vector ? [{ via: 'vector' as const, ranked: vector }] : []), { via: 'keyword' as const, ranked: keyword }]);
  const hits = [...fused.entries()]
    .sort((a, b) => b[1].score - a[1].score)
    .slice(0, limit)
    .map(([id, e]) => ({ insight: repo.get(id), score: e.score, via: e.via }))
    .filter((h): h is RecallHit => h.insight !== null);
  return { used, note: mode === 'keyword' ? null : note, hits };
}
