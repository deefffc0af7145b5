// The decider worker thread (docs/architecture.md "Threads"): the router's deciding pass with its own SQLite
// connection, so deciding a storm never holds the thread that answers /health, the console and the senders.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, nameThread, profileThread } from '../store';
import { createDeciderCore } from './core';
import { DECIDER_THREAD_NAME, reportingToMain, type DeciderData, type FromDecider, type ToDecider } from './protocol';

lowerThreadPriority(); // deciding a storm gives way to the main thread for the CPU (R-SCALE-13)
nameThread(DECIDER_THREAD_NAME);
const writeProfile = profileThread('decider'); // benches: VIGIL_CPU_PROFILE_DIR
const port = parentPort!;
const post = (m: FromDecider) => port.postMessage(m);
const toMain = reportingToMain(post);
const core = createDeciderCore(workerData as DeciderData, toMain);

// Whatever was acknowledged and not decided before (a crash, or batches handed over before this thread ran).
const replayed = core.router.resume();
if (replayed) core.ctx.log.info({ replayed }, 'decider: processed events left in the inbox');
toMain.flush();
post({ type: 'ready' });

async function handle(m: ToDecider): Promise<void> {
  if (m.type === 'kick') return core.router.pull(m.seq);
  if (m.type === 'silences') return core.router.silences.reload();
  if (m.type === 'config') return core.applyConfig(m.config);
  if (m.type === 'drain') await core.router.drain();
  else {
    await core.stop();
    writeProfile?.();
  }
  toMain.flush(); // the last report before the answer
  post({ type: m.type === 'drain' ? 'drained' : 'stopped', id: m.id });
}

// One message at a time, in order: a silence or config change is in force before a later kick is decided.
let chain = Promise.resolve();
port.on('message', (m: ToDecider) => {
  chain = chain
    .then(() => handle(m))
    .catch((e: unknown) => {
      core.ctx.log.error({ err: e, message: m.type }, 'decider: a message from the main thread failed');
      core.router.failed(e);
    });
});
