/** One check's outcome. */
export interface ProbeVerdict {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export type ProbeTransition = 'down' | 'up' | 'slow' | 'fast';

export interface ProbeRules {
  failuresToAlert: number;
  graceWindow: number;
  slowAfter: number;
}

/**
 * R-PROBE-3: a failure is confirmed only when the target has kept failing
 * for the whole grace window with at least failuresToAlert failed checks
 * and no success in between — a rollout's brief 502s are not an incident.
 * R-PROBE-1: a successful but slow answer is flagged (and cleared when fast).
 */
export class ProbeTracker {
  streakStart: number | null = null;
  failures = 0;
  down = false;
  slow = false;
  lastError = '';

  constructor(private readonly rules: ProbeRules) {}

  record(v: ProbeVerdict, now: number): ProbeTransition[] {
    const out: ProbeTransition[] = [];
    if (!v.ok) {
      this.streakStart ??= now;
      this.failures++;
      this.lastError = v.error ?? 'failed';
      if (!this.down && this.failures >= this.rules.failuresToAlert && now - this.streakStart >= this.rules.graceWindow) {
        this.down = true;
        out.push('down');
      }
      return out;
    }
    this.streakStart = null;
    this.failures = 0;
    if (this.down) {
      this.down = false;
      out.push('up');
    }
    const isSlow = v.latencyMs > this.rules.slowAfter;
    if (isSlow !== this.slow) {
      this.slow = isSlow;
      out.push(isSlow ? 'slow' : 'fast');
    }
    return out;
  }

  /** While a failure is unconfirmed, check again sooner so it is confirmed (or cleared) within the grace window. */
  nextDelay(interval: number): number {
    if (this.streakStart === null || this.down) return interval;
    return Math.max(1_000, Math.min(interval, Math.floor(this.rules.graceWindow / Math.max(1, this.rules.failuresToAlert))));
  }
}
