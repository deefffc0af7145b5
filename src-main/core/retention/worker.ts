// Retention's worker thread: its own SQLite connection to the same file (WAL lets it write in short
// batches beside the main thread's readers and writer), so pruning a year of rows never runs on the
// thread that answers /health and the console.
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteRetentionStore } from '../store';
import { preview, prunePass, type PassInput, type RetentionPolicy } from './pass';

export type WorkerRequest = { id: number; op: 'preview'; policy: RetentionPolicy; now: number } | ({ id: number; op: 'prune' } & PassInput);
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const db = new BetterSqlite3((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const store = sqliteRetentionStore(db);

parentPort!.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: req.id, ok: true, value: req.op === 'preview' ? preview(store, req.policy, req.now) : prunePass(store, req) };
  } catch (e) {
    reply = { id: req.id, ok: false, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.once('close', () => db.close());
