import type { Clock, TimerHandle } from '../clock';
import type { PlanRow } from '../store';

/** The alert's state as verification sees it. */
export type AlertNow = (fingerprint: string) => { status: 'firing' | 'resolved' } | null;

export class NotVerified extends Error {}

/**
 * Watch an alert after a heal until it resolves (the heal helped) or the
 * window ends with it still firing (it did not). Time comes from the
 * injected clock, so tests move it; the check runs every few seconds.
 */
export function watchAlert(
  p: { fingerprint: string; window: number },
  d: { clock: Clock; state: AlertNow; signal: AbortSignal; everyMs?: number },
): Promise<{ resolved: boolean; afterMs: number }> {
  const start = d.clock.now();
  return new Promise((resolve, reject) => {
    let timer: TimerHandle | null = null;
    const settle = (fn: () => void) => {
      timer?.cancel();
      d.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => settle(() => reject(d.signal.reason as Error));
    const check = () => {
      const st = d.state(p.fingerprint);
      const elapsed = d.clock.now() - start;
      if (!st || st.status === 'resolved') return settle(() => resolve({ resolved: true, afterMs: elapsed }));
      if (elapsed >= p.window) settle(() => resolve({ resolved: false, afterMs: elapsed }));
    };
    d.signal.addEventListener('abort', onAbort, { once: true });
    timer = d.clock.setInterval(check, d.everyMs ?? Math.min(5_000, Math.max(100, Math.floor(p.window / 10))));
    check();
  });
}

/** The heal step a verify step checks (the last one before it). */
export function healBefore(plan: PlanRow, index: number): { action: string; target: string; host: string } | null {
  for (let i = index - 1; i >= 0; i--) {
    const s = plan.steps[i];
    if (s?.type === 'heal') return { action: String(s.params.action), target: String(s.params.target), host: String(s.params.host) };
  }
  return null;
}
