import type { Clock } from '../../clock';
import { VigilError } from '../../errors';
import type { Metrics } from '../../metrics';
import type { Insight, MemoryRepository, Stores } from '../../store';

/** The L2 safe actions: memory writes only, never a host (R-MEMORY-5). */
export const SAFE_ACTIONS = ['flag_for_human_review', 'route_to_km', 'mark_for_relearn'] as const;
export type SafeAction = (typeof SAFE_ACTIONS)[number];
export const isSafeAction = (a: string): a is SafeAction => (SAFE_ACTIONS as readonly string[]).includes(a);

/** What a safe action is about: an event (router) or an existing insight (console). */
export interface SafeActionSubject {
  eventId?: string | null;
  insightId?: number;
  title: string;
  body?: string;
  source: string;
  labels?: Record<string, string>;
}

/** The audit chain's append (core/audit): throws when it cannot write, and then nothing may change. */
export interface AuditWriter {
  append(entry: { actor: string; action: string; subject?: string; detail?: Record<string, unknown> }): unknown;
}

export interface SafeActionOutcome {
  action: SafeAction;
  insightId: number;
}

const FLAG: Record<SafeAction, string> = { flag_for_human_review: 'human_review', route_to_km: 'km', mark_for_relearn: 'relearn' };
const labelTags = (labels: Record<string, string> = {}) =>
  Object.entries(labels)
    .filter(([k]) => ['alertname', 'service', 'host', 'instance', 'job', 'container'].includes(k))
    .map(([k, v]) => `${k}:${v}`);

export function createSafeActions(deps: {
  repo: MemoryRepository;
  transaction: Stores['transaction'];
  audit: AuditWriter;
  clock: Clock;
  metrics: Metrics;
}) {
  const { repo, clock } = deps;

  /** The incident insight for the subject: the given one, the one for the event, or a new one. */
  function incidentFor(subject: SafeActionSubject): Insight {
    if (subject.insightId !== undefined) {
      const i = repo.get(subject.insightId);
      if (!i) throw new VigilError('not_found', `insight ${subject.insightId} does not exist`);
      return i;
    }
    const existing = subject.eventId ? repo.findByRef(subject.eventId, 'incident') : null;
    return (
      existing ??
      repo.add(
        {
          kind: 'incident',
          source: subject.source,
          title: subject.title,
          body: subject.body ?? '',
          tags: labelTags(subject.labels),
          ref: subject.eventId ?? null,
        },
        clock.now(),
      )
    );
  }

  const withFlag = (i: Insight, flag: string) => (i.flags.includes(flag) ? i.flags : [...i.flags, flag]);

  function apply(action: SafeAction, subject: SafeActionSubject): Insight {
    const now = clock.now();
    const incident = incidentFor(subject);
    switch (action) {
      case 'flag_for_human_review':
        return repo.update(incident.id, { flags: withFlag(incident, FLAG[action]) }, now);
      case 'route_to_km': {
        // A knowledge-base entry of its own, so KM curation never edits the incident record.
        const ref = `km:${incident.id}`;
        const km = repo.findByRef(ref, 'knowledge');
        const body = [incident.body, subject.body].filter((b, k, a) => b && a.indexOf(b) === k).join('\n\n');
        const entry = km
          ? repo.update(km.id, { title: incident.title, body }, now)
          : repo.add({ kind: 'knowledge', source: 'route_to_km', title: incident.title, body, tags: [...incident.tags, 'km'], ref }, now);
        repo.update(incident.id, { flags: withFlag(incident, FLAG[action]) }, now);
        return entry;
      }
      case 'mark_for_relearn': {
        repo.dropVectors(incident.id);
        repo.enqueue(incident.id, now);
        return repo.update(incident.id, { flags: withFlag(incident, FLAG[action]) }, now);
      }
    }
  }

  return {
    /** Run one L2 action: the memory write and its audit record commit together or not at all. */
    run(action: string, subject: SafeActionSubject, actor: string): SafeActionOutcome {
      if (!isSafeAction(action))
        throw new VigilError(
          'forbidden',
          `"${action}" is not an L2 safe action (${SAFE_ACTIONS.join(', ')}); it needs a heal proposal and an approval`,
        );
      const result = deps.transaction(() => {
        const insight = apply(action, subject);
        deps.audit.append({
          actor,
          action: `memory.${action}`,
          subject: `insight:${insight.id}`,
          detail: { eventId: subject.eventId ?? null, insightId: insight.id },
        });
        return insight;
      });
      deps.metrics.safeActions.inc({ action });
      return { action, insightId: result.id };
    },
  };
}
export type SafeActions = ReturnType<typeof createSafeActions>;

/**
 * For the router: run the L2 actions among a triage's suggestions
 * automatically; everything else is returned to become a heal proposal.
 */
export function runAutomaticActions(
  safe: SafeActions,
  suggested: string[],
  subject: SafeActionSubject,
  actor = 'router',
): { ran: SafeActionOutcome[]; proposals: string[]; errors: Array<{ action: string; error: string }> } {
  const ran: SafeActionOutcome[] = [];
  const proposals: string[] = [];
  const errors: Array<{ action: string; error: string }> = [];
  for (const action of [...new Set(suggested)]) {
    if (!isSafeAction(action)) {
      proposals.push(action);
      continue;
    }
    try {
      ran.push(safe.run(action, subject, actor));
    } catch (e) {
      errors.push({ action, error: (e as Error).message });
    }
  }
  return { ran, proposals, errors };
}
