// The intake thread (store/intake-append.ts): its own connection to the database file, appending the
// intake batches that gate HTTP 202s, each an fsynced commit, so the main thread never waits on the disk.
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteEventStore } from './events';
import { writeGate } from './write-gate';
import { serveRequests } from './threads';

const { file, gate } = workerData as { file: string; gate: SharedArrayBuffer };
const db = new BetterSqlite3(file);
// As the main connection (store/db.ts): an acknowledged event survives power loss. No busy handler: the
// write gate retries every 0.25 ms while the other writers hold back (store/write-gate.ts).
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 10000');
const events = sqliteEventStore(db);
const turns = writeGate(gate);
const decoder = new TextDecoder();

serveRequests(parentPort!, (req) => {
  if (req.op === 'append') {
    const json = decoder.decode(req.bytes as Uint8Array);
    return turns.announce(() => events.appendBatchText(req.receivedAt as number, req.via as string, req.n as number, json));
  }
  throw new Error(`unknown request "${req.op}"`);
});
parentPort!.once('close', () => db.close());
