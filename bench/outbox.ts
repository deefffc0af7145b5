// `npm run bench -- outbox`: the durable outbox delivering to a real local webhook, against the
// peer a non-durable notifier is (in-memory queue, one POST after another, nothing written).
import { startWebhookReceiver } from '../e2e/fixtures/webhook-receiver';
import { buildChannels, createOutbox } from '../src-main/core/notify';
import { alert, notifyTestBed, until } from '../src-main/core/notify/testing';

const N = 2_000;

export default async function bench(): Promise<void> {
  const hook = await startWebhookReceiver();
  const body = (i: number) =>
    JSON.stringify({ version: 1, channel: 'hook', idempotencyKey: `k${i}`, sentAt: Date.now(), message: alert(`alert ${i}`) });

  // Peer: POST each message in order from memory (Alertmanager-style notifier, no durability).
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `k${i}` },
      body: body(i),
    });
    await r.text();
  }
  const peerMs = performance.now() - t;

  // Vigil: enqueue in one producer transaction, then the worker delivers (SQLite WAL, synchronous=FULL).
  const bed = notifyTestBed({ channels: [{ name: 'hook', type: 'webhook', url: hook.url }] });
  const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }));
  outbox.start(); // running and healthy: each message goes out on its own (no digest)
  t = performance.now();
  bed.db.transaction(() => {
    for (let i = 0; i < N; i++) outbox.writer.enqueue('hook', alert(`alert ${i}`), `v${i}`);
  })();
  const enqueueMs = performance.now() - t;
  await until(() => outbox.store.backlog('hook') === 0, 'drained', 600_000);
  const vigilMs = performance.now() - t;
  if (hook.shown.length !== 2 * N) throw new Error(`expected ${2 * N} deliveries, got ${hook.shown.length}`);

  // Replay after an outage: N held messages, receiver back, time until the digest is delivered.
  await hook.goDown();
  bed.db.transaction(() => {
    for (let i = 0; i < N; i++) outbox.writer.enqueue('hook', alert(`held ${i}`), `h${i}`);
  })();
  await until(() => (outbox.store.head('hook')?.attempts ?? 0) >= 1, 'first failure', 30_000);
  await hook.comeBack();
  t = performance.now();
  outbox.retryChannel('hook');
  await until(() => outbox.store.backlog('hook') === 0, 'replayed', 60_000);
  const replayMs = performance.now() - t;
  await outbox.stop();
  bed.cleanup();
  await hook.close();

  const rate = (ms: number) => Math.round((N / ms) * 1000);
  console.log(`messages: ${N}, one channel, real webhook on 127.0.0.1`);
  console.log(`peer   (in-memory, sequential POSTs): ${peerMs.toFixed(0)} ms, ${rate(peerMs)} msg/s`);
  console.log(
    `vigil  (durable outbox, enqueue+deliver): ${vigilMs.toFixed(0)} ms, ${rate(vigilMs)} msg/s (enqueue ${enqueueMs.toFixed(1)} ms)`,
  );
  console.log(`ratio  vigil/peer throughput: ${(peerMs / vigilMs).toFixed(2)}x`);
  console.log(`replay after outage: ${N} held → 1 digest in ${replayMs.toFixed(0)} ms`);
}
