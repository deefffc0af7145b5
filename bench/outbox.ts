// `npm run bench -- outbox`: the durable outbox delivering a storm's messages to a real local webhook, against the
// peer a non-durable notifier is (in-memory queue, POSTs, nothing written), one after another and 8 at once.
// The receiver runs in its own process, so the CPU figures are the sender's: process CPU (user + system) and
// main-thread busy time (event-loop utilisation: what /health and intake would be waiting behind) per message.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildChannels, createOutbox } from '../src-main/core/notify';
import { alert, notifyTestBed, until } from '../src-main/core/notify/testing';
import type { Message } from '../src-main/core/notify';

const N = 3_000;

/** A webhook receiver in a child process: 200 to every POST (503 while down); GET /count, /down, /up. */
async function receiver(): Promise<{ url: string; count(): Promise<number>; down(on: boolean): Promise<void>; close(): void }> {
  const code = `const http = require('node:http'); let n = 0; let down = false;
    const s = http.createServer((req, res) => { req.resume(); req.on('end', () => {
      if (req.method !== 'POST') { if (req.url !== '/count') down = req.url === '/down'; return res.end(String(n)); }
      if (down) { res.statusCode = 503; return res.end('{}'); }
      n++; res.end('{}'); }); });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok) => child.stdout.once('data', (d: Buffer) => ok(Number(d.toString().trim()))));
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string) => Number(await (await fetch(`${base}${path}`)).text());
  return {
    url: `${base}/hook`,
    count: () => get('/count'),
    down: async (on) => void (await get(on ? '/down' : '/up')),
    close: () => child.kill(),
  };
}

/** Time, process CPU and main-thread busy time of `fn`, per message. */
async function measure(fn: () => Promise<void>, messages = N) {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const busy = performance.eventLoopUtilization(elu0).active;
  return { ms, rate: (messages / ms) * 1000, cpuPerMsg: (cpu.user + cpu.system) / 1000 / messages, busyPerMsg: busy / messages };
}

const line = (name: string, m: Awaited<ReturnType<typeof measure>>) =>
  `${name.padEnd(44)} ${m.ms.toFixed(0).padStart(6)} ms ${m.rate.toFixed(0).padStart(6)} msg/s   CPU ${m.cpuPerMsg.toFixed(3)} ms/msg   main thread busy ${m.busyPerMsg.toFixed(3)} ms/msg`;

/** A storm's messages: incidents with a first alert and an update each (the update must follow its first message). */
const storm = (prefix: string): Array<{ key: string; message: Message }> =>
  Array.from({ length: N }, (_, i) => {
    const incident = i % (N / 2);
    const first = i < N / 2;
    return {
      key: `${prefix}${i}`,
      message: alert(`${prefix} alert ${incident}${first ? '' : ' (update)'}`, {
        thread: { key: `${prefix}incident-${incident}` },
        fingerprint: first ? `${prefix}fp-${incident}` : null,
      }),
    };
  });

export default async function bench(): Promise<void> {
  const hook = await receiver();
  const peerBody = (i: number) =>
    JSON.stringify({ version: 1, channel: 'hook', idempotencyKey: `p${i}`, sentAt: Date.now(), message: alert(`alert ${i}`) });
  const post = async (i: number) => {
    const r = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `p${i}` },
      body: peerBody(i),
    });
    await r.text();
  };
  // Peers: POST each message from memory (an Alertmanager-style notifier, no durability), sequentially and 8 at once.
  const peer1 = await measure(async () => {
    for (let i = 0; i < N; i++) await post(i);
  });
  const peer8 = await measure(async () => {
    let next = 0;
    const lane = async () => {
      while (next < N) await post(next++);
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  });

  // Vigil: the storm enqueued in one producer transaction, then the worker delivers (SQLite WAL, settles batched).
  const vigil = async (concurrency: number, prefix: string) => {
    const bed = notifyTestBed({ channels: [{ name: 'hook', type: 'webhook', url: hook.url, digest: 0, concurrency }] });
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }));
    outbox.start(); // running and healthy: each message goes out on its own (no digest)
    const before = await hook.count();
    const m = await measure(async () => {
      bed.db.transaction(() => storm(prefix).forEach((s) => outbox.writer.enqueue('hook', s.message, s.key)))();
      await until(() => outbox.store.backlog('hook') === 0, 'drained', 600_000);
    });
    if ((await hook.count()) - before !== N) throw new Error(`expected ${N} deliveries, got ${(await hook.count()) - before}`);
    const wal = statSync(join(bed.dir, 'vigil.db-wal')).size;
    return { m, bed, outbox, wal };
  };
  const one = await vigil(1, 'v1-');
  await one.outbox.stop();
  one.bed.cleanup();
  const eight = await vigil(8, 'v8-');

  // Replay after an outage: N messages queued while the receiver answers 503, then it takes them (a machine: no digest).
  const { bed, outbox } = eight;
  await hook.down(true);
  bed.db.transaction(() => storm('h-').forEach((s) => outbox.writer.enqueue('hook', s.message, s.key)))();
  await until(() => (outbox.store.head('hook')?.attempts ?? 0) >= 1, 'first failure', 30_000);
  await hook.down(false);
  const replay = await measure(async () => {
    outbox.retryChannel('hook');
    await until(() => outbox.store.backlog('hook') === 0, 'replayed', 600_000);
  });
  await outbox.stop();
  bed.cleanup();
  hook.close();

  console.log(`messages: ${N} (${N / 2} incidents: a first alert and an update each), one webhook channel, receiver in its own process`);
  console.log(line('peer  in-memory, sequential POSTs', peer1));
  console.log(line('peer  in-memory, 8 POSTs at once', peer8));
  console.log(line('vigil durable outbox, concurrency 1', one.m));
  console.log(line('vigil durable outbox, concurrency 8 (default)', eight.m));
  console.log(
    `ratio vigil/peer throughput: ${(eight.m.rate / peer1.rate).toFixed(2)}x sequential peer, ${(eight.m.rate / peer8.rate).toFixed(2)}x concurrent peer; concurrency 1: ${(one.m.rate / peer1.rate).toFixed(2)}x sequential peer`,
  );
  console.log(`ratio main-thread busy per message, vigil (8) / concurrent peer: ${(eight.m.busyPerMsg / peer8.busyPerMsg).toFixed(2)}x`);
  console.log(line(`replay after an outage (${N} queued, no digest)`, replay));
  console.log(`WAL after the storm: ${(eight.wal / 1e6).toFixed(1)} MB (concurrency 1 run: ${(one.wal / 1e6).toFixed(1)} MB)`);
}
