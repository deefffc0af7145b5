import { trace, type Stage } from '../../router/types';
import { runAutomaticActions, type SafeActions } from './safe-actions';

/**
 * Router stage (after `outbox`): the L2 safe actions among the rule-based
 * triage's suggestions run automatically for a newly notified alert, as
 * audited memory writes inside the event's own transaction. Anything else
 * suggested stays a suggestion for a person (heal needs a proposal and an
 * approval). A failing action is traced and never fails the event.
 */
export function safeActionStage(safe: SafeActions): Stage {
  return {
    name: 'safe_actions',
    run(ev, d, sc) {
      if (d.kind !== 'alert' || !d.triage?.suggestedActions.length) return;
      const r = runAutomaticActions(safe, d.triage.suggestedActions, { eventId: ev.id, title: ev.summary, body: ev.description ?? '', source: ev.source, labels: ev.labels }, 'router');
      for (const x of r.ran) trace(d, sc.now, 'action', 'ran', `${x.action} (insight ${x.insightId})`);
      for (const e of r.errors) trace(d, sc.now, 'action', 'failed', `${e.action}: ${e.error}`);
      if (r.proposals.length) trace(d, sc.now, 'action', 'suggested', `for a person (not L2): ${r.proposals.join(', ')}`);
    },
  };
}
