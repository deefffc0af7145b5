// The heavy-reads thread (store/reads.ts): its own connection to the database file, read-only by
// pragma, answering trend queries and export chunks so they never run on the thread serving /health.
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteEventStore } from './events';
import { sqliteLoopRepository, type IncidentRow } from './loop';
import type { SmokeChunkQuery } from './reads';
import { createSmokeHistoryStore, smokeNdjsonChunk } from './smoke';
import { lowerThreadPriority } from './thread-priority';
import { serveRequests, transferred } from './threads';

lowerThreadPriority(); // export chunks and trends give way to the main thread for the CPU (R-SCALE-13)
const utf8 = new TextEncoder();
const db = new BetterSqlite3((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');
db.pragma('query_only = ON');
const events = sqliteEventStore(db);
const smoke = createSmokeHistoryStore(db);
const loop = sqliteLoopRepository(db);

serveRequests(parentPort!, (req) => {
  if (req.op === 'eventStats') return events.stats(req.from as number, req.to as number, req.bucketMs as number);
  if (req.op === 'smokeChunk') {
    const chunk = smokeNdjsonChunk(smoke, req as unknown as SmokeChunkQuery);
    // UTF-8 bytes in a buffer of their own (not a slice of Buffer's shared pool), moved to the main thread rather than
    // copied: it writes them to the socket as they are, without allocating and copying ~240 KB per chunk (R-SCALE-39).
    const text = utf8.encode(chunk.text as string);
    return transferred({ ...chunk, text }, [text.buffer as ArrayBuffer]);
  }
  if (req.op === 'incidentRecords') return loop.records(req.incident as IncidentRow);
  // PASSIVE: copies WAL frames back without blocking any reader or writer (store/reads.ts keepWalSmall).
  if (req.op === 'checkpoint') return (db.pragma('wal_checkpoint(PASSIVE)') as unknown[])[0];
  throw new Error(`unknown request "${req.op}"`);
});
parentPort!.once('close', () => db.close());
