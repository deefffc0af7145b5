// The sender worker thread (docs/architecture.md "Threads"): the outbox's claims, HTTP sends and settles on their
// own SQLite connection, so notifying a storm neither costs the main thread CPU nor makes it wait for the write lock.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, nameThread } from '../store';
import { createSenderCore } from './core';
import { profileThread } from './profile';
import { SENDER_THREAD_NAME, type FromSender, type SenderData, type ToSender } from './protocol';

// Sending is bulk work beside deciding: both give way to the main thread for the CPU (R-SCALE-13), and share it evenly.
nameThread(SENDER_THREAD_NAME);
lowerThreadPriority();
const port = parentPort!;
// VIGIL_CPU_PROFILE_DIR (benchmarks, bench/_cpu-profile.mjs): this thread's CPU profile is written there when it stops.
const profiled = process.env.VIGIL_CPU_PROFILE_DIR ? profileThread(process.env.VIGIL_CPU_PROFILE_DIR) : null;
// What one turn of the event loop posts (a settled batch's counters, its console update, the channel's health) goes as one message.
let outgoing: FromSender[] = [];
const flush = () => {
  const batch = outgoing;
  outgoing = [];
  if (batch.length) port.postMessage(batch);
};
const post = (m: FromSender) => {
  if (outgoing.push(m) === 1) setImmediate(flush);
};
const data = workerData as SenderData;
const core = createSenderCore(data, post);
if (data.start) core.start();

async function handle(m: ToSender): Promise<void> {
  if (m.type === 'start') return core.start();
  if (m.type === 'kick') return core.kick(m.channel);
  if (m.type === 'secrets') return core.setSecrets(m.secrets);
  if (m.type === 'config') return core.applyConfig(m.config, m.secrets);
  await core.stop();
  await profiled?.();
  post({ type: 'stopped' });
  flush();
}

// One message at a time, in order: a config change is in force before a later kick.
let chain = Promise.resolve();
port.on('message', (m: ToSender) => {
  chain = chain
    .then(() => handle(m))
    .catch((e: unknown) => core.ctx.log.error({ err: e, message: m.type }, 'sender: a message from the main thread failed'));
});
