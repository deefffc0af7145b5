import { afterEach, describe, expect, it } from 'vitest';
import type { DecidedMetrics, ToMain } from '../context';
import { createMetrics, DISPATCH_BUCKETS } from '../metrics';
import { countDecided } from './decide';
import { inboxText } from './group-commit';
import { createRouter } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

let h: TestContext | null = null;
afterEach(() => {
  h?.close();
  h = null;
});

describe('R-SCALE-43: what a commit on the decider thread reports for /metrics', () => {
  it("carries the commit's dispatch latencies as bucket counts (a few numbers, not one an event), and the main thread's /metrics reads them as observed", async () => {
    h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
    const reports: DecidedMetrics[] = [];
    const toMain: ToMain = {
      kickChannel: () => undefined,
      kickEscalator: () => undefined,
      propose: () => undefined,
      followUp: () => undefined,
      decided: (_seqs, m) => void reports.push(m),
      count: () => undefined,
      synced: () => undefined,
      failing: () => undefined,
    };
    h.ctx.toMain = toMain; // the decider role, as on the decider thread
    const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
    // 3 batches of 500 taken at one time and decided 30 ms later: every latency is 0.03 s (the 0.05 bucket).
    const seqs: number[] = [];
    for (let b = 0; b < 3; b++) {
      const recs = router.prepare(
        Array.from({ length: 500 }, (_, i) =>
          alertEvent({ fingerprint: `fp-${b}-${i}`, labels: { alertname: `A${b}`, instance: `h${i}` } }),
        ),
        'test',
      );
      seqs.push(h.ctx.stores.inbox.appendText(h.clock.now(), 'test', recs.length, inboxText([recs])));
    }
    h.clock.advance(30);
    router.pull(seqs.at(-1)!);
    await router.drain();

    const decided = reports.flatMap((m) => m.events).reduce((n, e) => n + e.n, 0);
    expect(decided).toBe(1_500);
    for (const m of reports) {
      expect(m.dispatch.counts).toHaveLength(DISPATCH_BUCKETS.length + 1);
      // What crosses to the main thread does not grow with the commit (it held one number an event).
      expect(JSON.stringify(m).length).toBeLessThan(400);
    }
    // The main thread adds each report to its registry (decider/index.ts onReport).
    const main = createMetrics();
    for (const m of reports) countDecided(main, m);
    const text = await main.registry.getSingleMetricAsString('vigil_router_dispatch_seconds');
    expect(text).toContain('vigil_router_dispatch_seconds_bucket{le="0.025"} 0');
    expect(text).toContain('vigil_router_dispatch_seconds_bucket{le="0.05"} 1500');
    expect(text).toContain('vigil_router_dispatch_seconds_bucket{le="+Inf"} 1500');
    expect(text).toContain('vigil_router_dispatch_seconds_count 1500');
    expect(Number(/vigil_router_dispatch_seconds_sum (\S+)/.exec(text)?.[1])).toBeCloseTo(45, 9);
  });
});
