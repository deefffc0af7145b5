import { Counter } from 'prom-client';
import type { Metrics } from './registry';

/**
 * On a worker thread (decider, sender) counters count on the main thread, whose registry /metrics serves: each `inc`
 * here is handed to `count` (which posts it) instead.
 */
export function forwardCounters(metrics: Metrics, count: (metric: string, labels: Record<string, string>, n: number) => void): void {
  for (const [name, metric] of Object.entries(metrics)) {
    if (!(metric instanceof Counter)) continue;
    metric.inc = ((a?: Record<string, string> | number, b?: number) =>
      typeof a === 'object' ? count(name, a, b ?? 1) : count(name, {}, a ?? 1)) as typeof metric.inc;
  }
}
