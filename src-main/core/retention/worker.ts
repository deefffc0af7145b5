// Retention's worker thread: its own SQLite connection to the same file (WAL lets it write in short
// batches beside the main thread's readers and writer), so pruning a year of rows never runs on the
// thread that answers /health and the console.
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, serveRequests, sqliteRetentionStore } from '../store';
import { preview, prunePass, type PassInput, type RetentionPolicy } from './pass';

lowerThreadPriority(); // pruning gives way to the main thread for the CPU (R-SCALE-13)
const db = new BetterSqlite3((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const store = sqliteRetentionStore(db);

serveRequests(parentPort!, (req) =>
  req.op === 'preview' ? preview(store, req.policy as RetentionPolicy, req.now as number) : prunePass(store, req as unknown as PassInput),
);
parentPort!.once('close', () => db.close());
