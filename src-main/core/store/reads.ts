import type { Severity } from '../../../src-shared/constants';
import type { EventStore } from './events';
import { smokeNdjsonChunk, type SmokeCursor, type SmokeHistoryStore, type SmokeNdjsonChunk } from './smoke';
import { threadClient, workerScript } from './threads';

export type StatsRow = { t: number; severity: Severity; n: number };
export type SmokeChunkQuery = { since: number; until: number; after: SmokeCursor | null; limit: number };

/**
 * Heavy reads (trend queries over history, export chunks) that run on a worker thread with its own
 * read-only connection when the database is a file, so a year of rows never holds the thread that
 * answers /health and the console (R-SEC-4). WAL lets it read beside the main thread's writer.
 * With an in-memory database (tests) they run inline on the same stores.
 */
export interface OffThreadReads {
  runsOn: 'worker' | 'inline';
  eventStats(from: number, to: number, bucketMs: number): Promise<StatsRow[]>;
  /** One smoke history export chunk, as NDJSON text made on the reads thread. */
  smokeChunk(q: SmokeChunkQuery): Promise<SmokeNdjsonChunk>;
  close(): Promise<void>;
}

export function inlineReads(events: EventStore, smoke: SmokeHistoryStore): OffThreadReads {
  return {
    runsOn: 'inline',
    eventStats: async (from, to, b) => events.stats(from, to, b),
    smokeChunk: async (q) => smokeNdjsonChunk(smoke, q),
    close: async () => undefined,
  };
}

/** Reads on the `reads-worker` thread (started on first use); falls back to `inline` when its script is missing. */
export function offThreadReads(dbFile: string, inline: OffThreadReads): OffThreadReads {
  const script = workerScript(__dirname, 'reads-worker.ts', 'reads-worker.js');
  if (!script) return inline;
  let client: ReturnType<typeof threadClient> | null = null;
  const thread = () => (client ??= threadClient(script, { file: dbFile }));
  return {
    runsOn: 'worker',
    eventStats: (from, to, bucketMs) => thread().ask('eventStats', { from, to, bucketMs }),
    smokeChunk: (q) => thread().ask('smokeChunk', q),
    close: async () => {
      await client?.close();
      client = null;
    },
  };
}
