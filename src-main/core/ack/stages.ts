import type { Severity } from '../../../src-shared/constants';
import type { RouteConfig } from '../config';
import { formatMessage, labelsMatch, matchLabels, notificationKey, hold, resolutionThread, trace, type Stage } from '../router';
import type { AckStore, EscalationStore } from '../store';
import { escalationTargets, targetLabel } from '../oncall';
import { humanDuration } from './format';
import { ackRef } from './refs';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** The first route (in routing order, honouring `continue`) that matches the event and has an escalation chain. */
export function escalationRoute(
  routes: readonly RouteConfig[],
  ev: { source: string; severity: string; labels: Record<string, string> },
): RouteConfig | null {
  const labels = matchLabels(ev);
  for (const r of routes) {
    if (!labelsMatch(r.match, labels)) continue;
    if (r.escalate.length) return r;
    if (!r.continue) return null;
  }
  return null;
}

/**
 * After dedupe (R-ROUTE-8): an acknowledged alert is not repeated until it
 * resolves or is un-acknowledged (a rise in severity still notifies). A
 * resolution ends the acknowledgement and cancels the escalation chain,
 * whether or not the resolution itself is notified (hence `always`).
 */
export function ackStage(acks: AckStore, escalations: EscalationStore): Stage {
  return {
    name: 'ack',
    always: true,
    run(ev, d, sc) {
      const a = acks.get(ev.fingerprint);
      const active = a?.state === 'active';
      if (ev.status === 'resolved') {
        if (active) {
          acks.end(ev.fingerprint, 'resolved', sc.now, null);
          acks.log({ fingerprint: ev.fingerprint, at: sc.now, by: 'vigil', via: ev.source, action: 'resolved', note: null });
          trace(d, sc.now, 'ack', 'pass', `resolved: the acknowledgement by ${a.by} ends (a new firing starts un-acknowledged)`);
        }
        const n = escalations.cancelAll(ev.fingerprint, sc.now, 'resolved');
        if (n) trace(d, sc.now, 'escalation', 'cancelled', `resolved: ${n} pending escalation step(s) cancelled`);
        // A page opened by the chain is closed by the resolution, whatever the console does with it (grouped, silenced).
        const escalatedTo = [
          ...new Set(escalations.ofEpisode(ev.fingerprint, d.next.firstSeen).flatMap((e) => (e.state === 'fired' ? e.channels : []))),
        ];
        if (!escalatedTo.length) return;
        // A lone alert's resolution ends its incident's thread (which the escalation joined), as the outbox stage's does.
        // A grouped member's stays outside it: sent at once (a digest channel would hold a follow-up), and not the
        // incident's resolution when the group's resolution looks up who was paged (R-ONCALL-5).
        const thread = resolutionThread(sc.config, ev);
        const msg = { ...formatMessage(ev, 'resolved', null, { count: d.next.count }), ...(thread.closes ? { thread } : {}) };
        // Same key (and thread) as the outbox stage's: a channel that is also on the route gets it once.
        for (const ch of escalatedTo) sc.outbox.enqueue(ch, msg, notificationKey(ev.id, 'resolved', ch));
        return trace(d, sc.now, 'escalation', 'notified', `resolved: sent to the escalated channel(s) ${escalatedTo.join(', ')}`);
      }
      if (!active) return;
      if (a.episode !== d.next.firstSeen) {
        // Firing again after a resolution the acknowledgement did not see: it does not carry over.
        acks.end(ev.fingerprint, 'resolved', sc.now, null);
        return;
      }
      if (!d.notify) return;
      if (RANK[ev.severity] > RANK[a.severity])
        return trace(d, sc.now, 'ack', 'pass', `acknowledged by ${a.by} at ${a.severity}; severity rose to ${ev.severity}: notify`);
      hold(
        d,
        sc.now,
        'ack',
        'deduped',
        `acknowledged by ${a.by} (${a.via}) at ${new Date(a.at).toISOString()}: not repeated until it resolves or is un-acknowledged`,
      );
    },
  };
}

/**
 * After outbox (R-NOTIFY-5): a firing alert the humans were just told about
 * (notified, or batched into a group or burst update) arms the escalation
 * chain of its route, once per firing: a reminder does not restart it.
 */
export function escalateStage(acks: AckStore, escalations: EscalationStore, onArmed: () => void): Stage {
  return {
    name: 'escalation',
    always: true,
    run(ev, d, sc) {
      if (ev.status !== 'firing' || d.kind !== 'alert' || !(d.notify || d.result === 'grouped' || d.result === 'burst')) return;
      // The Telegram "Acknowledge" button carries a short ref; remember which alert it names. Only the alert's own
      // message carries one (queued by the outbox stage; a group or burst update has none; the escalator remembers its own).
      if (d.notify && d.channels.length) acks.rememberRef(ackRef(ev.fingerprint), ev.fingerprint);
      const route = escalationRoute(sc.config.routes, ev);
      if (!route || acks.get(ev.fingerprint)?.state === 'active') return;
      const steps = [...route.escalate].sort((x, y) => x.after - y.after);
      const armed = escalations.arm(
        steps.map((s, i) => ({
          fingerprint: ev.fingerprint,
          episode: d.next.firstSeen,
          step: i + 1,
          steps: steps.length,
          afterMs: s.after,
          // `next-in-rotation` is stored as the route's oncall channel asking for the next person (issue 18.5).
          channels: escalationTargets(sc.config, route.channels, s.channels),
          eventId: ev.id,
          notifiedChannels: d.channels,
          notifiedAt: sc.now,
          dueAt: sc.now + s.after,
        })),
      );
      if (!armed) return;
      trace(
        d,
        sc.now,
        'escalation',
        'armed',
        `unless acknowledged: ${steps.map((s, i) => `step ${i + 1} after ${humanDuration(s.after)} → ${s.channels.map(targetLabel).join(', ')}`).join('; ')}`,
      );
      onArmed();
    },
  };
}
