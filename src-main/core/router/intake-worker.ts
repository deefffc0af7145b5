// The intake thread (store/intake-append.ts): its own connection to inbox.db, appending the intake batches that
// gate HTTP 202s, each an fsynced commit, so the main thread never waits on the disk. HTTP bodies come raw and are
// read, checked and turned into inbox rows here (router/intake-thread.ts).
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ANSWERED_LATER, inboxAppend, nameThread, profileThread, serveRequests, WAL_LIMIT_BYTES, type RawIntake } from '../store';
import { INTAKE_THREAD_NAME, rawIntake } from './intake-thread';

nameThread(INTAKE_THREAD_NAME);
const writeProfile = profileThread('intake'); // benches: VIGIL_CPU_PROFILE_DIR

const { file } = workerData as { file: string };
// The main thread created inbox.db (0600, WAL) before this thread starts. As every intake commit: an
// acknowledged event survives power loss. The file's other writers (the decider's deletions of decided rows,
// in-process intake) hold its lock for one short statement each, so SQLite's busy handler is enough here.
const db = new BetterSqlite3(file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 10000');
db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
const append = inboxAppend(db);
const decoder = new TextDecoder();
const port = parentPort!;
const intake = rawIntake(append, (replies) => port.postMessage({ replies }));

serveRequests(port, (req) => {
  if (req.op === 'intake') {
    intake(req.id, req as unknown as RawIntake);
    return ANSWERED_LATER;
  }
  if (req.op === 'append') {
    const json = decoder.decode(req.bytes as Uint8Array);
    return append(req.receivedAt as number, req.via as string, req.n as number, json);
  }
  if (req.op === 'profile') return void writeProfile?.(); // before a clean stop: a terminated thread writes nothing
  throw new Error(`unknown request "${req.op}"`);
});
port.once('close', () => db.close());
