import { performance } from 'node:perf_hooks';
import { createNoise, createRouter, type IntakeEvent } from '../../src-main/core/router';
import { recordingOutbox, testContext } from '../../src-main/core/router/testing';

/** Fire and resolve an `n`-host burst (one alertname) through the router, with or without the noise stages; ms for each half. */
export async function burstCost(n: number, noise: boolean): Promise<{ fireMs: number; resolveMs: number; messages: number }> {
  const h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
  try {
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    if (noise) createNoise(h.ctx, outbox, router); // fills the flap, burst and group slots
    const fire: IntakeEvent[] = Array.from({ length: n }, (_, i) => ({
      source: 'alertmanager',
      fingerprint: `fp${i}`,
      severity: 'critical',
      status: 'firing',
      summary: `HighLatency on h${i}`,
      description: null,
      labels: { alertname: 'HighLatency', instance: `h${i}` },
      startsAt: null,
      endsAt: null,
    }));
    const run = async (evs: IntakeEvent[]) => {
      const t = performance.now();
      for (let i = 0; i < evs.length; i += 500) {
        router.ingest(evs.slice(i, i + 500), 'scale');
        await router.drain();
      }
      return performance.now() - t;
    };
    const fireMs = await run(fire);
    const resolveMs = await run(fire.map((e) => ({ ...e, status: 'resolved' as const })));
    h.clock.advance(120_000);
    return { fireMs, resolveMs, messages: outbox.sent().length };
  } finally {
    h.close();
  }
}
