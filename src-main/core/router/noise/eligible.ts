import type { TraceEntry } from '../../../../src-shared/domain';
import type { EventRecord } from '../../store';
import { nextState } from '../stages/dedupe';
import { muteStage } from '../stages/mute';
import { routeStage } from '../stages/route';
import { severityStage } from '../stages/severity';
import { silenceStage } from '../stages/silence';
import type { Decision, StageContext } from '../types';

const scratch = (ev: EventRecord, now: number): Decision => ({
  notify: true,
  result: 'notified',
  kind: 'alert',
  trace: [],
  prev: null,
  next: nextState(null, ev, now),
  triage: null,
  channels: [],
  later: null,
});

/**
 * Where would this event go if dedupe had not held it? Runs the router's own
 * silence, mute, severity and route stages on a scratch decision, so a
 * flapping notice or a "what would have been sent" answer obeys exactly the
 * same rules as a normal notification.
 */
export function routeWithoutDedupe(
  ev: EventRecord,
  sc: StageContext,
  opts: { policy: boolean } = { policy: true },
): { channels: string[]; held: TraceEntry | null } {
  const d = scratch(ev, sc.now);
  for (const s of opts.policy ? [silenceStage, muteStage, severityStage, routeStage] : [routeStage]) {
    s.run(ev, d, sc);
    if (!d.notify) return { channels: [], held: d.trace.at(-1) ?? null };
  }
  return { channels: d.channels, held: null };
}

/** Index of the first config route matching these labels, or -1 (the route whose groupBy applies). */
export const firstRoute = (routes: Array<{ match: Record<string, string> }>, labels: Record<string, string>): number =>
  routes.findIndex((r) => Object.entries(r.match).every(([k, v]) => labels[k] === v));

/**
 * firstRoute over an event's matcher labels (silence-matcher.ts matchLabels: its labels plus source and severity)
 * without building them: the group and incident stages ask it for every event of a storm.
 */
export function firstRouteOf(
  routes: Array<{ match: Record<string, string> }>,
  ev: { source: string; severity: string; labels: Record<string, string> },
): number {
  for (let i = 0; i < routes.length; i++) {
    const match = routes[i]!.match;
    let all = true;
    for (const k in match) {
      const v = k === 'severity' ? ev.severity : Object.hasOwn(ev.labels, k) ? ev.labels[k] : k === 'source' ? ev.source : undefined;
      if (v !== match[k]) {
        all = false;
        break;
      }
    }
    if (all) return i;
  }
  return -1;
}
