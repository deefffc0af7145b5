import type { Clock, TimerHandle } from '../clock';
import type { PlanRow } from '../store';

/** The alert's state as verification sees it. */
export type AlertNow = (fingerprint: string) => { status: 'firing' | 'resolved' } | null;

/** The host's own checks after a heal: all passed, or what failed. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/**
 * Watch an alert after a heal until it resolves (the heal helped) or the
 * window ends with it still firing (it did not). With `probe`, a resolved
 * alert is not enough: the host's checks must pass too, re-run until they do
 * or the window ends (a service restarting may fail its first check). Time
 * comes from the injected clock, so tests move it; the check runs every few seconds.
 */
export function watchAlert(
  p: { fingerprint: string; window: number },
  d: { clock: Clock; state: AlertNow; signal: AbortSignal; everyMs?: number; probe?: () => Promise<ProbeResult> },
): Promise<{ resolved: boolean; afterMs: number; probe: ProbeResult | null }> {
  const start = d.clock.now();
  return new Promise((resolve, reject) => {
    let timer: TimerHandle | null = null;
    let done = false;
    let probing = false;
    let last: ProbeResult | null = null;
    const settle = (fn: () => void) => {
      if (done) return;
      done = true;
      timer?.cancel();
      d.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => settle(() => reject(d.signal.reason as Error));
    const elapsed = () => d.clock.now() - start;
    const finish = (resolved: boolean) => settle(() => resolve({ resolved, afterMs: elapsed(), probe: last }));
    const runProbe = (probe: () => Promise<ProbeResult>) => {
      probing = true;
      probe()
        .catch((e: unknown) => ({ ok: false, detail: (e as Error).message }))
        .then(
          (r) => {
            probing = false;
            last = r;
            if (r.ok) finish(true);
            else if (elapsed() >= p.window) finish(true);
          },
          () => undefined,
        );
    };
    const check = () => {
      if (done || probing) return;
      const st = d.state(p.fingerprint);
      if (!st || st.status === 'resolved') {
        if (!d.probe) return finish(true);
        return runProbe(d.probe);
      }
      if (elapsed() >= p.window) finish(false);
    };
    d.signal.addEventListener('abort', onAbort, { once: true });
    timer = d.clock.setInterval(check, d.everyMs ?? Math.min(5_000, Math.max(100, Math.floor(p.window / 10))));
    check();
  });
}

/** The heal step a verify step checks (the last one before it). */
export function healBefore(plan: PlanRow, index: number): { action: string; target: string; host: string; approvalId?: string } | null {
  for (let i = index - 1; i >= 0; i--) {
    const s = plan.steps[i];
    // The approval the heal ran under is a field of the step (step-runner), not read back from its result sentence.
    if (s?.type === 'heal')
      return { action: String(s.params.action), target: String(s.params.target), host: String(s.params.host), approvalId: s.approvalId };
  }
  return null;
}
