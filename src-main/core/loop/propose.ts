import type { TriageResult } from '../../../src-shared/domain';
import { beforeText, changeLabel } from '../../../src-shared/api/changes';
import { matchRule, type StepInput } from '../agents';
import type { CoreContext } from '../context';
import type { Stage } from '../router';
import type { EventRecord, PlanEvidence } from '../store';
import type { LoopDeps } from './deps';
import { nemotronPlan, rulePlan, toolEvidence, type PlanSubject } from './plans';
import { recallLines } from './recall';

export const alertname = (labels: Record<string, string>) => labels.alertname ?? 'unnamed alert';

/** What fixed this alert before (R-LOOP-3), from the remembered heal outcomes. */
export const recallFor = (ctx: CoreContext, labels: Record<string, string>) =>
  recallLines(ctx.stores.loop.outcomes(alertname(labels), 200), ctx.clock.now());

/**
 * Plans for new alerts (R-LOOP-1): a Hermes rule with `plan:` steps, or NemoTron's catalogue heal, with
 * the evidence a person needs to approve it (triage, what fixed it before, changes nearby). One plan per alert.
 */
export function createProposals(ctx: CoreContext, d: LoopDeps) {
  const subject = (ev: EventRecord): PlanSubject => ({ id: ev.id, fingerprint: ev.fingerprint, summary: ev.summary, labels: ev.labels });
  const recall = (labels: Record<string, string>) => recallFor(ctx, labels);

  function evidenceFor(ev: EventRecord): PlanEvidence[] {
    const out: PlanEvidence[] = [];
    const lines = recall(ev.labels);
    if (lines.length)
      out.push({ kind: 'memory', title: `What fixed ${alertname(ev.labels)} before`, body: lines.map((l) => l.text).join('\n') });
    for (const c of d.changes.near({ labels: ev.labels, firedAt: ev.startsAt ?? ev.receivedAt }).slice(0, 3)) {
      out.push({
        kind: 'change',
        title: `${changeLabel(c)}, ${beforeText(c.beforeMs)}`,
        body: [c.summary, c.review ? `${c.review.level} risk: ${c.review.reasons.join('; ')}` : null].filter(Boolean).join('\n'),
      });
    }
    return out;
  }

  function propose(ev: EventRecord, by: string, title: string, steps: StepInput[], evidence: PlanEvidence[]): void {
    if (d.elephant.repo.forSubject({ eventIds: [ev.id] }).length) return; // one agent plan per alert
    const { plan } = d.elephant.create({ title, source: 'alert', createdBy: by, eventId: ev.id, evidence, steps });
    ctx.log.info({ plan: plan.id, event: ev.id, by, status: plan.status }, 'agent proposed a plan');
  }

  /** Hermes: a rule with `plan:` steps matched a newly notified alert. */
  function proposeFromRule(id: string): void {
    const ev = d.router.events.get(id);
    if (!ev || ev.status !== 'firing') return;
    const rule = matchRule(ctx.config.hermes.rules, ev);
    const steps = rule && rulePlan(rule, subject(ev));
    if (!rule || !steps) return;
    const triage: PlanEvidence = {
      kind: 'triage',
      title: `Hermes rule "${rule.name}": ${rule.category} ${rule.priority}`,
      body: rule.runbook ? `runbook: ${rule.runbook}` : '',
    };
    propose(ev, 'hermes', `${rule.name}: ${ev.summary}`, steps, [triage, ...evidenceFor(ev)]);
  }

  /** NemoTron: a catalogue heal among its suggestions, with its tool outputs as evidence. */
  function proposeFromNemotron(id: string, t: TriageResult, tools: Array<{ name: string; args: string; output: string }>): void {
    const ev = d.router.events.get(id);
    if (!ev || ev.status !== 'firing') return;
    const steps = nemotronPlan(t, tools, subject(ev), d.catalogue);
    if (!steps) return;
    const triage: PlanEvidence = {
      kind: 'triage',
      title: `NemoTron (${t.model ?? 'LLM'}): ${t.category} ${t.priority}${t.confidence !== null ? `, confidence ${Math.round(t.confidence * 100)} %` : ''}`,
      body: [t.summary, t.probableCause && `probable cause: ${t.probableCause}`].filter(Boolean).join('\n'),
    };
    propose(ev, 'nemotron', `NemoTron: ${ev.summary}`, steps, [triage, ...toolEvidence(tools), ...evidenceFor(ev)]);
  }

  const proposeStage: Stage = {
    name: 'plan',
    run(ev, dec) {
      // After the commit (plans run asynchronously and must not ride on a transaction that may roll back).
      // On the decider thread ElephantAlpha is the main thread's: the event id is posted there after the commit.
      if (dec.notify && dec.kind === 'alert' && ev.status === 'firing' && ev.source !== 'vigil') {
        // Only an alert a rule has plan steps for: in a storm of 50k alerts the main thread otherwise re-read each one.
        if (!matchRule(ctx.config.hermes.rules, ev)?.plan?.length) return;
        if (ctx.toMain) ctx.toMain.propose(ev.id);
        else queueMicrotask(() => guard('rule plan', () => proposeFromRule(ev.id)));
      }
    },
  };
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      ctx.log.error({ err: e }, `${what} could not be proposed`);
    }
  };

  return { stage: proposeStage, guard, proposeFromRule, proposeFromNemotron };
}
