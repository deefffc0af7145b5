// The intake thread (store/intake-append.ts): its own connection to the database file, appending the
// intake batches that gate HTTP 202s, each an fsynced commit, so the main thread never waits on the disk.
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteEventStore } from './events';
import { serveRequests } from './threads';

const db = new BetterSqlite3((workerData as { file: string }).file);
// As the main connection (store/db.ts): an acknowledged event survives power loss; wait for another writer.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 10000');
const events = sqliteEventStore(db);

serveRequests(parentPort!, (req) => {
  if (req.op === 'append') return events.appendBatchText(req.receivedAt as number, req.via as string, req.n as number, req.json as string);
  throw new Error(`unknown request "${req.op}"`);
});
parentPort!.once('close', () => db.close());
