// The intake thread (store/intake-append.ts): its own connection to inbox.db, appending the intake batches that
// gate HTTP 202s, each an fsynced commit, so the main thread never waits on the disk. HTTP bodies come raw and are
// read, checked and turned into inbox rows here (router/intake-thread.ts).
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import {
  ANSWERED_LATER,
  autocheckpointPages,
  failedReply,
  inboxAppend,
  inboxPruneStep,
  INTAKE_NICE,
  lowerThreadPriority,
  nameThread,
  profileThread,
  serveRequests,
  WAL_LIMIT_BYTES,
  type RawIntakeRun,
} from '../store';
import { INTAKE_THREAD_NAME, rawIntake } from './intake-thread';

nameThread(INTAKE_THREAD_NAME);
// Reading and appending a storm's bodies gives way to the main thread for the CPU too (R-SCALE-30): in bench health the
// main thread, woken for /health, waited behind this thread at the same priority.
lowerThreadPriority(INTAKE_NICE);
const writeProfile = profileThread('intake'); // benches: VIGIL_CPU_PROFILE_DIR

const { file } = workerData as { file: string };
// The main thread created inbox.db (0600, WAL) before this thread starts. As every intake commit: an
// acknowledged event survives power loss. The file's other writer (in-process intake on the main thread, rarely a
// failure report on the decider) holds its lock for one short statement, so SQLite's busy handler is enough here.
// Decided rows are deleted here too (`prune`), between appends: never by the niced decider (R-INBOX-3).
const db = new BetterSqlite3(file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma(`wal_autocheckpoint = ${autocheckpointPages(db)}`);
db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
const append = inboxAppend(db);
const decoder = new TextDecoder();
const port = parentPort!;
const intake = rawIntake(append, (replies) => port.postMessage({ replies }));

// Rows through `pruneTo` (vigil.db's `synced`, posted by the main thread) leave a step at a time, one turn of the
// event loop each, so the bodies and appends that arrive meanwhile go between the steps. A request is answered once
// its rows are gone (the main thread's close waits for that), or once a step failed: busy past the timeout, the rows
// stay (the cursor skips them) and the next settle asks again.
const pruneStep = inboxPruneStep(db);
let pruneTo = 0;
let pruneAsks: number[] = [];
const prune = () => {
  let more: boolean;
  try {
    more = db.open && pruneStep(pruneTo);
  } catch {
    more = false;
  }
  if (more) return void setImmediate(prune);
  port.postMessage({ replies: pruneAsks.map((id) => ({ id, ok: true, value: null })) });
  pruneAsks = [];
};

serveRequests(port, (req) => {
  if (req.op === 'intake') {
    const { kinds, vias, nows, bodies } = req as unknown as RawIntakeRun; // requests req.id … req.id + n - 1
    for (let i = 0; i < bodies.length; i++) {
      try {
        intake(req.id + i, { kind: kinds[i]!, via: vias[i]!, now: nows[i]!, bytes: bodies[i]! });
      } catch (e) {
        port.postMessage({ replies: [failedReply(req.id + i, e)] }); // each request answered, whatever the others do
      }
    }
    return ANSWERED_LATER;
  }
  if (req.op === 'append') {
    const json = decoder.decode(req.bytes as Uint8Array);
    return append(req.receivedAt as number, req.via as string, req.n as number, json);
  }
  if (req.op === 'profile') return void writeProfile?.(); // before a clean stop: a terminated thread writes nothing
  if (req.op === 'prune') {
    pruneTo = Math.max(pruneTo, req.seq as number);
    if (pruneAsks.push(req.id) === 1) setImmediate(prune);
    return ANSWERED_LATER;
  }
  throw new Error(`unknown request "${req.op}"`);
});
port.once('close', () => db.close());
