import type { Clock } from '../clock';
import type { Metrics } from '../metrics';

/**
 * NemoTron outcomes read from the agent counters the agents area already
 * increments (vigil_agent_triage_total{agent="nemotron"} = NemoTron answered,
 * vigil_agent_fallback_total = it fell back to Hermes). Counters are sampled
 * at each read; the window's figure is the difference to the last sample at
 * or before its start (after a restart: since start-up).
 */
export function agentOutcomesFromMetrics(
  metrics: Metrics,
  clock: Clock,
): (since: number) => Promise<{ attempts: number; fallbacks: number }> {
  // Counters start at zero with the registry: that is the first sample.
  const samples: Array<{ at: number; answered: number; fallbacks: number }> = [{ at: clock.now(), answered: 0, fallbacks: 0 }];
  const total = async (c: Metrics['agentTriage'] | Metrics['agentFallback'], filter?: (labels: Record<string, unknown>) => boolean) =>
    (await c.get()).values.filter((v) => !filter || filter(v.labels)).reduce((n, v) => n + v.value, 0);
  return async (since) => {
    const now = {
      at: clock.now(),
      answered: await total(metrics.agentTriage, (l) => l.agent === 'nemotron'),
      fallbacks: await total(metrics.agentFallback),
    };
    samples.push(now);
    // Keep one sample at or before the window start, drop older ones.
    while (samples.length > 2 && samples[1]!.at <= since) samples.shift();
    const base = samples[0]!;
    const fallbacks = Math.max(0, now.fallbacks - base.fallbacks);
    const answered = Math.max(0, now.answered - base.answered);
    return { attempts: answered + fallbacks, fallbacks };
  };
}
