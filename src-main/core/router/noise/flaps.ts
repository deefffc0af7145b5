/**
 * Flap detection (R-NOISE-2): an alert changing state more than
 * flapThreshold times within flapWindow is flapping. While it flaps its
 * transitions are held; when no change has come for one flap window it has
 * settled and one summary goes out. Pure state, no I/O.
 */
export interface Flap {
  fp: string;
  /** Transition times within the window (oldest first). */
  times: number[];
  flapping: boolean;
  since: number | null;
  /** Transitions counted since flapping began (including those that tipped it). */
  total: number;
  status: 'firing' | 'resolved';
  settleAt: number | null;
  channels: string[];
  summary: string;
  labels: Record<string, string>;
  severity: 'info' | 'warning' | 'critical';
  eventId: string;
  /** Its incident's message thread (R-NOTIFY-8); absent on rows stored before threads. */
  thread?: string;
}

export type FlapOutcome = 'started' | 'continues' | 'counted';

export function recordTransition(f: Flap, status: Flap['status'], now: number, window: number, threshold: number): FlapOutcome {
  f.status = status;
  f.times = f.times.filter((t) => t > now - window);
  f.times.push(now);
  if (f.flapping) {
    f.total += 1;
    f.settleAt = now + window;
    return 'continues';
  }
  if (f.times.length <= threshold) return 'counted';
  f.flapping = true;
  f.since = now;
  f.total = f.times.length;
  f.settleAt = now + window;
  return 'started';
}

/** Has a flapping alert been quiet for a whole window? */
export const settled = (f: Flap, now: number): boolean => f.flapping && f.settleAt !== null && now >= f.settleAt;
