import type { SmokeHistoryRow } from '../../../src-shared/api/smoke';
import type { SmokeChunkQuery, SmokeCursor } from '../store';

/** Where export chunks come from: the store itself, or the off-thread reads (ctx.stores.reads.smokeChunk). */
export type SmokeChunks = { chunk(q: SmokeChunkQuery): SmokeHistoryRow[] | Promise<SmokeHistoryRow[]> };

export const EXPORT_CHUNK_ROWS = 2_000;

/** Let other requests (e.g. /health) run between chunks: heavy work never starves them (R-SEC-4). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Smoke history as NDJSON text chunks in time order, one short keyset query
 * per chunk: memory stays constant however many rows there are, and the
 * database connection is free between chunks for the router's writes.
 */
export async function* smokeNdjson(
  store: SmokeChunks,
  since: number,
  until: number,
  chunkRows = EXPORT_CHUNK_ROWS,
): AsyncGenerator<string> {
  let after: SmokeCursor | null = null;
  for (;;) {
    const rows = await store.chunk({ since, until, after, limit: chunkRows });
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) {
      text +=
        JSON.stringify({ time: new Date(r.at).toISOString(), check: r.check, status: r.status, value: r.value, reason: r.reason }) + '\n';
    }
    const last = rows[rows.length - 1]!;
    after = { at: last.at, id: last.id };
    yield text;
    if (rows.length < chunkRows) return;
    await yieldToEventLoop();
  }
}

/** Parse an optional ISO time bound; throws a sentence naming the parameter. */
export function parseTimeBound(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new Error(`${name}: expected an ISO 8601 time such as 2026-01-31T00:00:00Z, got "${value}"`);
  return ms;
}
