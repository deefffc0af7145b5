import type { Severity } from '../../../../src-shared/constants';
import type { TriageResult } from '../../../../src-shared/domain';
import type { Config } from '../../config';
import { labelsMatch, matchLabels } from '../../router';
import { BUILTIN_RULES } from './defaults';

export interface TriageSubject {
  source: string;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
}

const BY_SEVERITY: Record<Severity, 'P1' | 'P2' | 'P3' | 'P4'> = { critical: 'P1', warning: 'P3', info: 'P4' };

/** The first configured rule that matches an event (rules are tried in order), or null. */
export function matchRule<R extends Config['hermes']['rules'][number]>(rules: R[], ev: TriageSubject): R | null {
  const labels = matchLabels(ev);
  return rules.find((r) => !(r.severity && r.severity !== ev.severity) && labelsMatch(r.match, labels)) ?? null;
}

/**
 * Hermes: deterministic triage. Rules from vigil.yaml (hermes.rules) first,
 * in order; then the built-in patterns; then a default by severity.
 * Synchronous and never fails, so it is always there as the fallback.
 */
export function createHermes(rules: Config['hermes']['rules']) {
  // Built field by field, not by spreading a base object: a spread followed by new fields costs several µs
  // an alert in V8, a real share of deciding a storm (triage runs for every alert).
  const result = (
    ev: TriageSubject,
    now: number,
    category: string,
    priority: TriageResult['priority'],
    runbook: string | null,
    suggestedActions: string[],
  ): TriageResult => ({
    agent: 'hermes',
    model: null,
    summary: ev.summary,
    probableCause: null,
    confidence: null,
    fallbackReason: null,
    at: now,
    category,
    priority,
    runbook,
    suggestedActions,
  });
  return (ev: TriageSubject, now: number): TriageResult => {
    const r = matchRule(rules, ev);
    if (r) return result(ev, now, r.category, r.priority, r.runbook ?? null, r.suggest);
    const text = `${ev.labels.alertname ?? ''} ${ev.summary}`;
    const b = BUILTIN_RULES.find((r) => r.pattern.test(text));
    if (b) return result(ev, now, b.category, b.priority ?? BY_SEVERITY[ev.severity], null, b.suggest);
    return result(ev, now, 'uncategorised', BY_SEVERITY[ev.severity], null, []);
  };
}
export type Hermes = ReturnType<typeof createHermes>;
