import type { TriageResult } from '../../../src-shared/domain';
import type { StepInput } from '../agents';
import type { PlanEvidence } from '../store';
import { alertHost, alertService } from '../changes';

/** The alert a plan is proposed for, as the builders need it. */
export interface PlanSubject {
  id: string;
  fingerprint: string;
  summary: string;
  labels: Record<string, string>;
}

/** Where a heal action's target comes from in an alert's labels. */
const TARGET_LABELS: Record<string, string[]> = {
  restart_service: ['service', 'unit', 'systemd_unit'],
  restart_container: ['container', 'container_name'],
};
const SIDE_EFFECTS = new Set(['heal', 'notify']);

/** "{host}", "{service}", "{alertname}" … in a rule's step, filled from the alert. */
function fill(v: unknown, vars: Record<string, string>): unknown {
  if (typeof v === 'string') return v.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(v)) return v.map((x) => fill(x, vars));
  return v;
}

/**
 * The safety shape every agent plan gets, whoever wrote the steps: heal and
 * diagnose run on the alert's host unless a step names one; a
 * wait_for_approval comes before the first side effect (if the steps did not
 * put one there); a verify step follows each heal (R-LOOP-2).
 */
export function shapePlan(raw: StepInput[], ev: PlanSubject, question: string): StepInput[] {
  const host = alertHost(ev.labels) ?? undefined;
  const out: StepInput[] = [];
  let approved = false;
  for (const s of raw) {
    const step: StepInput = { ...s };
    if ((step.type === 'heal' || step.type === 'diagnose') && step.host === undefined && host) step.host = host;
    if (step.type === 'wait_for_approval') approved = true;
    if (SIDE_EFFECTS.has(step.type) && !approved) {
      out.push({ type: 'wait_for_approval', question });
      approved = true;
    }
    out.push(step);
    if (step.type === 'heal')
      out.push({ type: 'verify', fingerprint: ev.fingerprint, host: step.host, action: step.action, target: step.target });
  }
  return out;
}

/** Hermes: a matching rule's `plan:` steps, filled from the alert's labels. */
export function rulePlan(rule: { name: string; plan?: StepInput[] }, ev: PlanSubject): StepInput[] | null {
  if (!rule.plan?.length) return null;
  const vars = { ...ev.labels, host: alertHost(ev.labels) ?? '', service: alertService(ev.labels) ?? '' };
  const steps = rule.plan.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fill(v, vars)])) as StepInput);
  return shapePlan(
    steps,
    ev,
    `Hermes rule "${rule.name}" proposes this for "${ev.summary}". Approve to run the heal shown (then Vigil verifies it).`,
  );
}

/**
 * NemoTron: a heal from AutoHeal's catalogue among its suggestions, on the
 * alert's host and target, after a fresh run of the read-only diagnostic it
 * used; nothing when it suggested no catalogue action or the alert names no target.
 */
export function nemotronPlan(
  t: TriageResult,
  tools: Array<{ name: string; args: string }>,
  ev: PlanSubject,
  catalogue: readonly string[],
): StepInput[] | null {
  const host = alertHost(ev.labels);
  const action = t.suggestedActions.find((a) => catalogue.includes(a));
  const target = action ? (TARGET_LABELS[action] ?? []).map((l) => ev.labels[l]).find(Boolean) : undefined;
  if (!host || !action || !target) return null;
  const diag = tools
    .filter((x) => x.name === 'run_diagnostic')
    .map((x) => {
      try {
        return JSON.parse(x.args) as { host?: string; command?: string };
      } catch {
        return {};
      }
    })
    .find((a) => a.command && (a.host ?? host) === host);
  const steps: StepInput[] = [
    ...(diag?.command ? [{ type: 'diagnose', host, command: diag.command }] : []),
    { type: 'heal', action, host, target, reason: t.probableCause ?? t.summary },
  ];
  return shapePlan(
    steps,
    ev,
    `NemoTron proposes ${action} ${target} on ${host} for "${ev.summary}"${t.probableCause ? ` (probable cause: ${t.probableCause})` : ''}.`,
  );
}

/** Evidence lines for tool outputs NemoTron saw. */
export const toolEvidence = (tools: Array<{ name: string; args: string; output: string }>): PlanEvidence[] =>
  tools.slice(0, 6).map((x) => ({ kind: 'diagnosis', title: `${x.name} ${x.args}`.slice(0, 200), body: x.output.slice(0, 2000) }));
