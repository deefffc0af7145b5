import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { bucketed, BucketedHistogram } from './bucketed';
import { createMetrics, DISPATCH_BUCKETS } from './registry';

const NAME = 'vigil_router_dispatch_seconds';
const HELP = 'Time from intake to the notification decision';

/** The same values into prom-client's own Histogram and into ours, each in a registry of its own. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const h = new Histogram({ name: NAME, help: HELP, buckets: [...DISPATCH_BUCKETS], registers: [theirs] });
  const b = new BucketedHistogram({ name: NAME, help: HELP, buckets: [...DISPATCH_BUCKETS], registers: [ours] });
  return { theirs, ours, h, b };
}

// Bounds themselves (a value on a bound is in that bucket), between them, zero, above the last, far above.
const VALUES = [0, 0.0005, 0.0004, 0.00051, 0.001, 0.003, 0.01, 0.0100001, 0.2, 0.5, 0.99, 1, 1.0001, 7, 3600, 0.025, 0.05];

describe('R-SCALE-43: the dispatch histogram counted by bucket where the events were decided', () => {
  it('reads on /metrics exactly as prom-client observing each value would (text and get())', async () => {
    const { theirs, ours, h, b } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics()); // empty
    for (const v of VALUES) h.observe(v);
    // In batches, as commits report them, and one by one.
    b.add(bucketed(DISPATCH_BUCKETS, VALUES.slice(0, 6)));
    b.add(bucketed(DISPATCH_BUCKETS, VALUES.slice(6, 12)));
    for (const v of VALUES.slice(12)) b.observe(v);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await b.get()).toEqual(await h.get());
    h.reset();
    b.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('a batch is its bucket counts and sum: one number a bucket, however many values', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => (i % 50) / 40);
    const b = bucketed(DISPATCH_BUCKETS, many);
    expect(b.counts).toHaveLength(DISPATCH_BUCKETS.length + 1);
    expect(b.counts.reduce((x, y) => x + y, 0)).toBe(5_000);
    expect(b.sum).toBeCloseTo(
      many.reduce((x, y) => x + y, 0),
      9,
    );
  });

  it('refuses what it cannot count: labels, a non-number, buckets of other bounds', () => {
    const { b } = both();
    expect(() => b.observe({ le: '1' }, 1)).toThrow(/no labels/);
    expect(() => b.observe(Number.NaN)).toThrow(/not a valid number/);
    expect(() => b.add(bucketed([1, 2], [1]))).toThrow(/3 buckets, expected 12/);
  });

  it("Vigil's registry serves vigil_router_dispatch_seconds from it", async () => {
    const m = createMetrics();
    m.routerDispatch.add(bucketed(DISPATCH_BUCKETS, [0.0003, 0.03, 2]));
    const text = await m.registry.getSingleMetricAsString(NAME);
    expect(text).toContain(`${NAME}_bucket{le="0.0005"} 1`);
    expect(text).toContain(`${NAME}_bucket{le="0.05"} 2`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf"} 3`);
    expect(text).toContain(`${NAME}_count 3`);
  });
});
