import { Histogram, type LabelValues, type ObserveDataWithExemplar, type Registry } from 'prom-client';

/**
 * Values counted by bucket where they were measured, so a batch crosses threads as a few numbers, not one a value:
 * `counts[i]` values ≤ `bounds[i]` (and > the bound before), the last cell the values above every bound.
 */
export interface Buckets {
  counts: number[];
  sum: number;
}

export const noBuckets = (bounds: readonly number[]): Buckets => ({ counts: Array.from({ length: bounds.length + 1 }, () => 0), sum: 0 });

/**
 * Count one value into `b`, as prom-client's `observe` files it: the first bound ≥ the value (a binary search: on the
 * decider thread, per decided alert), above them all the last cell.
 */
export function countInto(b: Buckets, bounds: readonly number[], v: number): void {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v > bounds[mid]!) lo = mid + 1;
    else hi = mid;
  }
  b.counts[lo]!++;
  b.sum += v;
}

/** `values` counted into `bounds`' buckets. */
export function bucketed(bounds: readonly number[], values: Iterable<number>): Buckets {
  const b = noBuckets(bounds);
  for (const v of values) countInto(b, bounds, v);
  return b;
}

/**
 * A label-less histogram that also takes values counted elsewhere (`add`): the decider thread counts a commit's
 * dispatch latencies by bucket and posts 12 numbers instead of one a decided alert, and the main thread adds them
 * here instead of running prom-client's `observe` per alert (R-SCALE-43). Its samples are prom-client's own
 * (`getForPromString` answers what Histogram's does for the same values: metrics/bucketed.test.ts), so `/metrics`
 * reads as before; prom-client's own state stays empty.
 */
export class BucketedHistogram extends Histogram {
  readonly bounds: readonly number[];
  private readonly id: string;
  private readonly about: string;
  private own!: Buckets;
  private total = 0;
  /** Reset and nothing counted since: no samples at all (prom-client's own reset drops the series). */
  private cleared = false;

  constructor(cfg: { name: string; help: string; buckets: number[]; registers?: Registry[] }) {
    super(cfg);
    this.id = cfg.name;
    this.about = cfg.help;
    this.bounds = [...cfg.buckets];
    this.own = noBuckets(this.bounds);
    // prom-client's constructor sets `observe` on the instance (its exemplar or plain variant): this one replaces it.
    this.observe = this.one.bind(this) as Histogram['observe'];
  }

  /** One value (label-less: labels are refused, as this histogram has none). */
  private one(value: number | LabelValues<string> | ObserveDataWithExemplar<string>, more?: number): void {
    if (typeof value !== 'number' || more !== undefined) throw new TypeError(`${this.id} has no labels`);
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    countInto(this.own, this.bounds, value);
    this.total++;
    this.cleared = false;
  }

  /** Values counted by `bucketed` with this histogram's bounds. */
  add(b: Buckets): void {
    const own = this.own;
    if (b.counts.length !== own.counts.length) throw new TypeError(`${this.id}: ${b.counts.length} buckets, expected ${own.counts.length}`);
    for (let i = 0; i < b.counts.length; i++) {
      own.counts[i]! += b.counts[i]!;
      this.total += b.counts[i]!;
    }
    own.sum += b.sum;
    this.cleared = false;
  }

  override reset(): void {
    // prom-client's constructor resets before this one has set its fields.
    if (this.own) this.own = noBuckets(this.bounds);
    this.total = 0;
    this.cleared = true;
  }

  /** What the registry formats (prom-client's Histogram answers the same shape; `get()` is built on it). */
  getForPromString() {
    const name = `${this.id}_bucket`;
    const values: Array<{
      labels: Record<string, string | number>;
      sharedLabels: object;
      value: number;
      metricName: string;
      exemplar?: null;
    }> = [];
    const done = { name: this.id, help: this.about, type: 'histogram' as const, values, aggregator: 'sum' as const };
    if (this.cleared) return Promise.resolve(done);
    let acc = 0;
    this.bounds.forEach((le, i) => {
      acc += this.own.counts[i]!;
      values.push({ labels: { le }, sharedLabels: {}, value: acc, metricName: name, exemplar: null });
    });
    values.push(
      { labels: { le: '+Inf' }, sharedLabels: {}, value: this.total, metricName: name, exemplar: null },
      { labels: {}, sharedLabels: {}, value: this.own.sum, metricName: `${this.id}_sum` },
      { labels: {}, sharedLabels: {}, value: this.total, metricName: `${this.id}_count` },
    );
    return Promise.resolve(done);
  }
}
