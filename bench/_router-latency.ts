import { performance } from 'node:perf_hooks';
import type { TriageResult } from '../src-shared/domain';
import type { Triager } from '../src-main/core/agents';
import type { Message, OutboxWriter } from '../src-main/core/notify';
import { createRouter } from '../src-main/core/router';
import { alertEvent, testContext } from '../src-main/core/router/testing';

/** A triager that never answers until aborted: the worst case for "AI triage never delays the first notification". */
const hanging: Triager = {
  agent: 'nemotron',
  triage: (_ev, signal) => new Promise<TriageResult>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
};

/** Time from ingest() to the outbox enqueue of the event's first notification, per event, in ms. */
async function latencies(n: number, triager: Triager | null): Promise<number[]> {
  const h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]\nrouter: { triageTimeout: 5s }' });
  const at = new Map<string, number>();
  const outbox: OutboxWriter = { enqueue: (_c: string, m: Message) => void at.set(m.fingerprint!, performance.now()) };
  const router = createRouter(h.ctx, { outbox, triager });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const fp = `lat-${i}`;
    const t0 = performance.now();
    router.ingest([alertEvent({ fingerprint: fp, labels: { alertname: 'Lat', n: String(i) } })], 'bench');
    await router.drain();
    // The notification counts once its outbox row is committed: when ingest/drain returned, not at enqueue.
    if (!at.has(fp)) throw new Error(`no notification for ${fp}`);
    out.push(performance.now() - t0);
  }
  h.close();
  return out;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** (c) first-notification latency with the AI triager hanging vs with AI triage off (alternating runs). */
export async function benchLatency(n = 2_000, rounds = 3): Promise<{ off: number[]; hang: number[] }> {
  const off: number[] = [];
  const hang: number[] = [];
  for (let r = 0; r < rounds; r++) {
    off.push(...(await latencies(n, null)));
    hang.push(...(await latencies(n, hanging)));
  }
  const f = (x: number) => `${(x * 1000).toFixed(0)} µs`;
  console.log(`(c) first-notification latency (ingest → outbox row committed), ${n * rounds} events each, alternating runs`);
  console.log(`    AI triage off:      p50 ${f(pct(off, 50))}, p99 ${f(pct(off, 99))}`);
  console.log(`    AI triager hanging: p50 ${f(pct(hang, 50))}, p99 ${f(pct(hang, 99))}`);
  console.log(
    `    ratio hanging/off: p50 ${(pct(hang, 50) / pct(off, 50)).toFixed(2)}×, p99 ${(pct(hang, 99) / pct(off, 99)).toFixed(2)}× (target ≤ 1.1×)`,
  );
  return { off, hang };
}
