import { describe, expect, it } from 'vitest';
import { fillBuckets } from './buckets';

describe('fillBuckets', () => {
  it('R-UI: empty buckets are drawn as zero and unaligned points land in their bucket (the rate chart never drops events)', () => {
    const m = 60_000;
    const from = 10 * m + 5_000;
    const to = 15 * m;
    const out = fillBuckets(
      [
        { t: 11 * m + 1_234, info: 1, warning: 0, critical: 2 },
        { t: 11 * m + 50_000, info: 0, warning: 1, critical: 0 },
        { t: 14 * m, info: 3, warning: 0, critical: 0 },
      ],
      from,
      to,
      m,
      ['info', 'warning', 'critical'] as const,
    );
    expect(out.map((p) => p.t)).toEqual([10 * m, 11 * m, 12 * m, 13 * m, 14 * m]);
    expect(out[1]).toEqual({ t: 11 * m, info: 1, warning: 1, critical: 2 });
    expect(out[0]).toEqual({ t: 10 * m, info: 0, warning: 0, critical: 0 });
    expect(out.reduce((n, p) => n + p.info + p.warning + p.critical, 0)).toBe(7);
  });
});
