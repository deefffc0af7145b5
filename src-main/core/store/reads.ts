import type { Severity } from '../../../src-shared/constants';
import type { EventStore } from './events';
import type { IncidentRow, LoopRepository, RawRecord } from './loop';
import { smokeNdjsonChunk, type SmokeCursor, type SmokeHistoryStore, type SmokeNdjsonChunk } from './smoke';
import { existsSync, statSync } from 'node:fs';
import { WAL_LIMIT_BYTES } from './db';
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
  /** An incident's raw records (its NDJSON export): its members' events are found by its time window, which in a storm
   * holds hundreds of thousands of other events (events have no index by fingerprint). */
  incidentRecords(i: IncidentRow): Promise<RawRecord[]>;
  /** Copy the WAL back into the database on this thread (PASSIVE); null inline. */
  checkpoint(): Promise<{ busy: number; log: number; checkpointed: number } | null>;
  close(): Promise<void>;
}

/** How often the WAL's size is looked at (a stat); above the limit it is checkpointed on the reads thread. */
export const WAL_LOOK_MS = 10_000;

export function inlineReads(events: EventStore, smoke: SmokeHistoryStore, loop: LoopRepository): OffThreadReads {
  return {
    runsOn: 'inline',
    eventStats: async (from, to, b) => events.stats(from, to, b),
    smokeChunk: async (q) => smokeNdjsonChunk(smoke, q),
    incidentRecords: async (i) => loop.records(i),
    checkpoint: async () => null,
    close: async () => undefined,
  };
}

/** Reads on the `reads-worker` thread (started on first use); falls back to `inline` when its script is missing. */
export function offThreadReads(dbFile: string, inline: OffThreadReads): OffThreadReads {
  const script = workerScript(__dirname, 'reads-worker.ts', 'reads-worker.js');
  if (!script) return inline;
  let client: ReturnType<typeof threadClient> | null = null;
  const thread = () => (client ??= threadClient(script, { file: dbFile }));
  const checkpoint = () => thread().ask<{ busy: number; log: number; checkpointed: number }>('checkpoint');
  const keeper = keepWalSmall(`${dbFile}-wal`, checkpoint);
  return {
    runsOn: 'worker',
    eventStats: (from, to, bucketMs) => thread().ask('eventStats', { from, to, bucketMs }),
    smokeChunk: (q) => thread().ask('smokeChunk', q),
    incidentRecords: (i) => thread().ask('incidentRecords', { incident: i }),
    checkpoint,
    close: async () => {
      clearInterval(keeper);
      await client?.close();
      client = null;
    },
  };
}

/**
 * A storm grows the WAL to ~40 MB (wal_autocheckpoint, store/db.ts autocheckpointPages). Above WAL_LIMIT_BYTES it is
 * checkpointed here, off the main thread, every WAL_LOOK_MS: PASSIVE blocks nobody, and once every frame is back in
 * the database the next write restarts the WAL and cuts the file to the limit (journal_size_limit). The main
 * thread's own autocheckpoints then find little left to copy.
 */
function keepWalSmall(walFile: string, checkpoint: () => Promise<unknown>): NodeJS.Timeout {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !existsSync(walFile) || statSync(walFile).size <= WAL_LIMIT_BYTES) return;
    busy = true;
    // A failed look (database closing, worker gone) is retried at the next one; nothing depends on it.
    checkpoint()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, WAL_LOOK_MS);
  timer.unref();
  return timer;
}
