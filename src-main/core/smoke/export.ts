import type { SmokeChunkQuery, SmokeCursor, SmokeNdjsonChunk } from '../store';

/** Where export chunks come from: the off-thread reads (ctx.stores.reads.smokeChunk, NDJSON made there), or smokeNdjsonChunk on a store. */
export type SmokeChunks = (q: SmokeChunkQuery) => SmokeNdjsonChunk | Promise<SmokeNdjsonChunk>;

export const EXPORT_CHUNK_ROWS = 2_000;

/** Let other requests (e.g. /health) run between chunks: heavy work never starves them (R-SEC-4). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Smoke history as NDJSON text chunks in time order, one short keyset query
 * per chunk: memory stays constant however many rows there are, and the
 * database connection is free between chunks for the router's writes.
 */
export async function* smokeNdjson(
  chunks: SmokeChunks,
  since: number,
  until: number,
  chunkRows = EXPORT_CHUNK_ROWS,
): AsyncGenerator<string | Uint8Array> {
  let after: SmokeCursor | null = null;
  for (;;) {
    const c = await chunks({ since, until, after, limit: chunkRows });
    if (c.rows === 0) return;
    after = c.last;
    yield c.text;
    if (c.rows < chunkRows) return;
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
