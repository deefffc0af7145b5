import type { Severity } from '../../../../src-shared/constants';
import type { AlertState, EventRecord } from '../../store';
import { hold, trace, type Stage } from '../types';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const mins = (ms: number): string =>
  ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round(ms / 1000)}s`;

/** The dedupe state after `ev` (before the notification decision is known). */
export function nextState(prev: AlertState | null, ev: EventRecord, now: number): AlertState {
  const restarted = !prev || (prev.status === 'resolved' && ev.status === 'firing');
  return {
    fingerprint: ev.fingerprint,
    source: ev.source,
    severity: ev.severity,
    status: ev.status,
    summary: ev.summary,
    labels: ev.labels,
    firstSeen: restarted ? now : prev.firstSeen,
    lastSeen: now,
    lastEventId: ev.id,
    count: restarted ? 1 : prev.count + 1,
    notifiedStatus: prev?.notifiedStatus ?? null,
    notifiedAt: prev?.notifiedAt ?? null,
    // R-ALERT-1: the source's own times win; without them the alert started when Vigil first saw this firing.
    annotations: ev.annotations ?? prev?.annotations ?? {},
    generatorURL: ev.generatorURL ?? prev?.generatorURL ?? null,
    startsAt: ev.startsAt ?? (restarted || prev.startsAt == null ? now : prev.startsAt),
    endsAt: ev.endsAt ?? (ev.status === 'resolved' ? now : null),
  };
}

/**
 * R-ROUTE-3: compare the event with what the humans were last told about
 * its fingerprint. A repeat of a notified firing alert is counted, not sent,
 * until repeatInterval has passed (inside the cooldown the trace says so);
 * a rise in severity or a fresh firing notifies; resolved notifies once,
 * and only if the firing was notified.
 */
export const dedupeStage: Stage = {
  name: 'dedupe',
  run(ev, d, sc) {
    const { cooldown, repeatInterval } = sc.config.router;
    const told = d.prev?.notifiedStatus ?? null;
    const since = d.prev?.notifiedAt != null ? sc.now - d.prev.notifiedAt : Infinity;
    const n = d.next.count;
    if (ev.status === 'firing') {
      d.kind = 'alert';
      if (told !== 'firing') return trace(d, sc.now, 'dedupe', 'pass', d.prev ? `firing again (was ${d.prev.status})` : 'new fingerprint');
      if (d.prev && RANK[ev.severity] > RANK[d.prev.severity])
        return trace(d, sc.now, 'dedupe', 'pass', `severity rose from ${d.prev.severity} to ${ev.severity}`);
      if (since < cooldown)
        return hold(d, sc.now, 'dedupe', 'deduped', `repeat #${n} inside the cooldown (${mins(cooldown)}): counted, not notified`);
      if (since < repeatInterval)
        return hold(
          d,
          sc.now,
          'dedupe',
          'deduped',
          `still firing (${n} events); next reminder after ${mins(repeatInterval)} (${mins(repeatInterval - since)} from now)`,
        );
      return trace(d, sc.now, 'dedupe', 'pass', `still firing after the repeat interval (${mins(repeatInterval)}): notify again`);
    }
    d.kind = 'resolved';
    if (told === 'firing') return trace(d, sc.now, 'dedupe', 'pass', 'resolved: notify once');
    // First seen already resolved (a record such as a finished sleep): nothing it repeats, so not "deduped".
    if (!d.prev) return hold(d, sc.now, 'dedupe', 'stored', 'first seen already resolved: stored, nothing to notify');
    hold(
      d,
      sc.now,
      'dedupe',
      'deduped',
      told === 'resolved' ? 'resolved was already notified' : 'resolved, but no firing notification was sent for it',
    );
  },
};
