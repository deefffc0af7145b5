import { trace, type Stage } from '../../router';
import type { HealGateway } from '../elephant/ports';
import { runAutomaticActions, type SafeActions } from './safe-actions';

/** Where a heal action's target comes from in an alert's labels. */
const TARGET_LABELS: Record<string, string[]> = {
  restart_service: ['service', 'unit', 'systemd_unit'],
  restart_container: ['container', 'container_name'],
};
const hostOf = (labels: Record<string, string>): string | undefined =>
  labels.host ?? labels.hostname ?? labels.instance?.replace(/:\d+$/, '');

/**
 * Router stage (after `outbox`): the L2 safe actions among the rule-based
 * triage's suggestions run automatically for a newly notified alert, as
 * audited memory writes inside the event's own transaction. Any other
 * suggestion becomes an AutoHeal proposal (waiting for a person's approval)
 * when the alert names its host and target, else stays a suggestion. A
 * failure is traced and never fails the event.
 */
export function safeActionStage(safe: SafeActions, heal: () => HealGateway | null = () => null): Stage {
  return {
    name: 'action',
    run(ev, d, sc) {
      if (d.kind !== 'alert' || !d.triage?.suggestedActions.length) return;
      const r = runAutomaticActions(
        safe,
        d.triage.suggestedActions,
        { eventId: ev.id, title: ev.summary, body: ev.description ?? '', source: ev.source, labels: ev.labels },
        'router',
      );
      for (const x of r.ran) trace(d, sc.now, 'action', 'ran', `${x.action} (insight ${x.insightId})`);
      for (const e of r.errors) trace(d, sc.now, 'action', 'failed', `${e.action}: ${e.error}`);
      const gateway = heal();
      for (const action of r.proposals) {
        const host = hostOf(ev.labels);
        const target = (TARGET_LABELS[action] ?? []).map((l) => ev.labels[l]).find(Boolean);
        if (!gateway || !host || !target) {
          trace(d, sc.now, 'action', 'suggested', `${action} for a person${gateway ? ' (the alert names no host and target)' : ''}`);
          continue;
        }
        if (gateway.pending().some((p) => p.action === action && p.host === host && p.target === target)) {
          trace(d, sc.now, 'action', 'pending', `${action} ${target} on ${host} is already waiting for approval`);
          continue;
        }
        try {
          const p = gateway.propose({
            action,
            host,
            target,
            reason: `${d.triage.category}: ${ev.summary}`,
            proposedBy: 'router',
            source: 'router',
            eventId: ev.id,
          });
          trace(d, sc.now, 'action', 'proposed', `${action} ${target} on ${host}: AutoHeal approval ${p.id}`);
        } catch (e) {
          trace(d, sc.now, 'action', 'refused', `${action} ${target} on ${host}: ${(e as Error).message}`);
        }
      }
    },
  };
}
