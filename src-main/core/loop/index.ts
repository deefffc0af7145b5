import { Collection } from '../../../src-shared/api/topics';
import type { Handlers } from '../../../src-shared/api';
import { beforeText, changeLabel } from '../../../src-shared/api/changes';
import type { TimelineEntry } from '../../../src-shared/api/incidents';
import type { TriageResult } from '../../../src-shared/domain';
import { matchRule, type Elephant, type LoopSteps } from '../agents';
import type { StepInput } from '../agents';
import type { LlmClient } from '../agents';
import type { Audit } from '../audit';
import { alertHost, llmReview, ruleReview, type Changes } from '../changes';

import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import type { OutboxWriter } from '../notify';
import type { Router, Stage } from '../router';
import type { ChangeRow, PlanEvidence } from '../store';
import type { EscalationStore } from '../store';
import type { EventRecord } from '../store';
import type { HealLogRow } from '../store';
import type { IncidentRow } from '../store';
import { incidentMarkdown, incidentStage, incidentSummary } from './incidents';
import { nemotronPlan, rulePlan, shapePlan, toolEvidence, type PlanSubject } from './plans';
import { recallLines } from './recall';
import { healBefore, watchAlert } from './verify';

export { incidentMarkdown } from './incidents';

export interface LoopDeps {
  router: Router;
  elephant: Elephant;
  changes: Changes;
  audit: Audit;
  outbox: OutboxWriter;
  /** OpenClaw memory write (embedding queued when a provider is set). */
  remember(m: { title: string; body: string; tags: string[]; ref: string }): void;
  healLog(l: Omit<HealLogRow, 'id'>): void;
  escalations: EscalationStore;
  kickEscalator(): void;
  catalogue: readonly string[];
  hostExists(h: string): boolean;
  /** The host's own checks (SSH probes, inside health check), each run once on call. */
  hostChecks(host: string): Array<{ name: string; run(): Promise<{ ok: boolean; detail: string }> }>;
  llm: LlmClient | null;
  protectedNames: string[];
}

class StepFailed extends Error {}

/**
 * The closed loop (R-LOOP-1..3, R-CHANGE-2): agents propose plans for new
 * alerts (Hermes rule steps, NemoTron's diagnosis) and for risky changes;
 * after an approved heal the alert is verified, the outcome remembered and a
 * heal that did not help escalated; incidents hold the timeline of each
 * alert group. Everything with a side effect goes through ElephantAlpha's
 * approvals and AutoHeal's catalogue — the loop only proposes.
 */
export function wireLoop(ctx: CoreContext, d: LoopDeps) {
  const repo = ctx.stores.loop;
  const { clock } = ctx;

  const subject = (ev: EventRecord): PlanSubject => ({ id: ev.id, fingerprint: ev.fingerprint, summary: ev.summary, labels: ev.labels });
  const alertname = (labels: Record<string, string>) => labels.alertname ?? 'unnamed alert';
  const recall = (labels: Record<string, string>) => recallLines(repo.outcomes(alertname(labels), 200), clock.now());

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
      if (dec.notify && dec.kind === 'alert' && ev.status === 'firing' && ev.source !== 'vigil')
        queueMicrotask(() => guard('rule plan', () => proposeFromRule(ev.id)));
    },
  };
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      ctx.log.error({ err: e }, `${what} could not be proposed`);
    }
  };
  d.router.fill(incidentStage(repo));
  d.router.fill(proposeStage);

  // ── verification (R-LOOP-2) ──

  function entry(fingerprint: string, kind: string, text: string, actor: string, ref: string | null): void {
    // The alert's latest incident, even when its resolution just closed it (verification follows the resolution).
    for (const inc of repo.incidentsOf(fingerprint).slice(0, 1))
      repo.addEntry({ incidentId: inc.id, at: clock.now(), kind, text, actor, ref });
  }

  /** A heal that did not help: the alert's next escalation step fires now, or its channels are told. */
  function escalate(ev: EventRecord | null, fingerprint: string, why: string, planId: string): string {
    const next = d.escalations
      .latest(fingerprint)
      .filter((e) => e.state === 'armed')
      .sort((a, b) => a.step - b.step)[0];
    if (next && d.escalations.dueNow(next.id, clock.now())) {
      d.kickEscalator();
      return `escalated now to step ${next.step} (${next.channels.join(', ')})`;
    }
    const channels = ev?.channels ?? [];
    if (!channels.length) return 'no escalation step or channel to tell';
    const msg = {
      kind: 'escalation' as const,
      title: `AutoHeal did not help: ${ev?.summary ?? fingerprint}`,
      body: why,
      severity: 'critical' as const,
      eventId: ev?.id ?? null,
      fingerprint,
      status: 'firing' as const,
      labels: { ...(ev?.labels ?? {}), plan: planId },
    };
    for (const ch of channels) d.outbox.enqueue(ch, msg, `loop:${planId}:${ch}`);
    return `told ${channels.join(', ')} that the heal did not help`;
  }

  /** The host's checks as one verdict, or undefined when the host has none (the alert alone decides). */
  function hostProbe(host: string) {
    const checks = d.hostChecks(host);
    if (!checks.length) return undefined;
    return async () => {
      const rs = await Promise.all(checks.map(async (c) => ({ name: c.name, ...(await c.run()) })));
      const bad = rs.filter((x) => !x.ok);
      return bad.length
        ? { ok: false, detail: bad.map((x) => `${x.name}: ${x.detail}`).join('; ') }
        : { ok: true, detail: rs.map((x) => `${x.name} ok`).join(', ') };
    };
  }

  const steps: LoopSteps = {
    async verify(p, plan, signal) {
      const index = plan.current;
      const heal = healBefore(plan, index) ?? { action: p.action ?? 'heal', target: p.target ?? '?', host: p.host };
      const window = p.window ?? ctx.config.heal.verifyWindow;
      const state = (fp: string) => {
        const s = d.router.states.get(fp);
        return s ? { status: s.status } : null;
      };
      const r = await watchAlert({ fingerprint: p.fingerprint, window }, { clock, state, signal, probe: hostProbe(heal.host) });
      const ev = plan.eventId ? d.router.events.get(plan.eventId) : null;
      const name = alertname(ev?.labels ?? {});
      const what = `${heal.action} ${heal.target} on ${heal.host}`;
      const mins = (ms: number) => `${Math.round(ms / 60_000)} min`;
      const fixed = r.resolved && (r.probe?.ok ?? true);
      const text = !r.resolved
        ? `${what} did not help: ${name} still firing ${mins(window)} after the heal`
        : !fixed
          ? `${what} did not help: ${name} resolved but ${heal.host}'s checks still fail ${mins(r.afterMs)} after the heal: ${r.probe!.detail}`
          : `${what} fixed ${name}: resolved ${mins(r.afterMs)} after the heal${r.probe ? `; ${heal.host}'s checks pass (${r.probe.detail})` : ''}`;
      ctx.stores.transaction(() => {
        repo.addOutcome({
          at: clock.now(),
          alertname: name,
          fingerprint: p.fingerprint,
          host: heal.host,
          action: heal.action,
          target: heal.target,
          fixed,
          planId: plan.id,
          detail: text,
        });
        d.healLog({
          at: clock.now(),
          approvalId: null,
          action: heal.action,
          host: heal.host,
          target: heal.target,
          command: `verify ${name}`,
          result: fixed ? 'verified' : 'not_verified',
          exitCode: null,
          output: '',
          durationMs: r.afterMs,
          actor: 'loop',
          detail: text,
        });
        entry(p.fingerprint, 'verification', text, 'vigil', `plan:${plan.id}`);
        d.audit.append({
          actor: 'loop',
          action: fixed ? 'heal.verified' : 'heal.not_verified',
          subject: `plan:${plan.id}`,
          detail: { fingerprint: p.fingerprint, ...heal, afterMs: r.afterMs, probe: r.probe },
        });
      });
      try {
        d.remember({
          title: `${what} ${fixed ? 'fixed' : 'did not fix'} ${name}`,
          body: `${text}\nAlert: ${ev?.summary ?? p.fingerprint}\nPlan ${plan.id} proposed by ${plan.createdBy}.`,
          tags: [
            'loop-outcome',
            `alert:${name}`,
            `host:${heal.host}`,
            `action:${heal.action}`,
            `target:${heal.target}`,
            fixed ? 'fixed' : 'not_fixed',
          ],
          ref: `plan:${plan.id}`,
        });
      } catch (e) {
        ctx.log.warn({ err: (e as Error).message }, 'heal outcome not written to memory (heal log and incident hold it)');
      }
      ctx.changed(Collection.heallog, Collection.incidents, Collection.memory);
      if (fixed) return text;
      const how = escalate(ev, p.fingerprint, text, plan.id);
      entry(p.fingerprint, 'escalation', `${text}: ${how}`, 'vigil', `plan:${plan.id}`);
      throw new StepFailed(`${text}; ${how}`);
    },

    async watch(p, _plan, signal) {
      const start = clock.now();
      await new Promise<void>((resolve, reject) => {
        const t = clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, p.minutes * 60_000);
        const onAbort = () => {
          t.cancel();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const seen = d.router.events
        .list({ limit: 200 })
        .items.filter(
          (e) =>
            e.receivedAt >= start &&
            e.status === 'firing' &&
            ((p.service && (e.labels.service ?? e.labels.job) === p.service) || p.hosts.includes(alertHost(e.labels) ?? '')),
        );
      return seen.length
        ? `${seen.length} alert(s) fired in ${p.minutes} min: ${[...new Set(seen.map((e) => e.summary))].slice(0, 5).join('; ')}`
        : `no alert on ${p.service ?? p.hosts.join(', ')} in ${p.minutes} min`;
    },
  };

  // ── change review (R-CHANGE-2) ──

  function changePlan(c: ChangeRow, reasons: string[]): StepInput[] {
    const minutes = Math.max(1, Math.round(ctx.config.changes.watch / 60_000));
    const host = c.hosts.find((h) => d.hostExists(h));
    const what = `${changeLabel(c)}`;
    const steps: StepInput[] = [
      {
        type: 'wait_for_approval',
        question: `Risky change: ${what} (${reasons.join('; ')}). Approve to watch its alerts for ${minutes} min and diagnose; a rollback proposal asks again.`,
      },
      { type: 'watch', service: c.service ?? undefined, hosts: c.hosts, minutes },
    ];
    if (host && c.service) {
      steps.push({ type: 'diagnose', host, command: `systemctl status --no-pager ${c.service}` });
      // The catalogue has no rollback: the closest catalogue action is proposed, and asks a person again.
      steps.push({
        type: 'wait_for_approval',
        question: `Propose restart_service ${c.service} on ${host} after ${what}? (AutoHeal's catalogue has no rollback action)`,
      });
      steps.push({ type: 'heal', action: 'restart_service', host, target: c.service, reason: `after ${what}` });
    }
    return shapePlan(steps, { id: c.id, fingerprint: `change:${c.id}`, summary: what, labels: {} }, 'approve');
  }

  async function review(c: ChangeRow): Promise<void> {
    let r = ruleReview(c, d.protectedNames, clock.now());
    if (d.llm) {
      try {
        r = await llmReview(d.llm, c, () => clock.now());
      } catch (e) {
        const reason = (e as { reason?: string }).reason ?? 'network';
        r = { ...r, fallbackReason: `${reason}: ${(e as Error).message}`.slice(0, 300) };
        ctx.metrics.agentFallback.inc({ reason });
      }
    }
    const wantsPlan = r.level === 'high' || (r.level === 'medium' && ctx.config.changes.autoFix);
    let planId: string | null = null;
    if (wantsPlan) {
      const evidence: PlanEvidence[] = [
        {
          kind: 'review',
          title: `${r.reviewer === 'nemotron' ? `NemoTron (${r.model})` : 'Hermes rules'}: ${r.level} risk`,
          body: r.reasons.join('\n'),
        },
        { kind: 'change', title: changeLabel(c), body: [c.summary, c.diff?.slice(0, 2000)].filter(Boolean).join('\n---\n') },
      ];
      const steps = changePlan(c, r.reasons).filter((s) => s.type !== 'verify');
      planId = d.elephant.create({
        title: `Review: ${changeLabel(c)}`,
        source: 'change',
        createdBy: 'change-review',
        changeId: c.id,
        evidence,
        steps,
      }).plan.id;
    }
    d.changes.setReview(c.id, r, planId);
    d.audit.append({
      actor: r.reviewer,
      action: 'change.reviewed',
      subject: `change:${c.id}`,
      detail: { level: r.level, reasons: r.reasons, planId, fallback: r.fallbackReason },
    });
  }
  const pendingReviews = new Set<Promise<void>>();

  // ── incidents ──

  /** Changes on the incident's service or host shortly before it opened. */
  function nearby(i: IncidentRow) {
    const first = repo.members(i.id)[0];
    const st = first ? d.router.states.get(first) : null;
    return d.changes.near({ labels: { ...i.labels, ...(st?.labels ?? {}) }, firedAt: i.openedAt });
  }

  function view(i: IncidentRow) {
    const timeline: TimelineEntry[] = repo.timeline(i);
    for (const c of nearby(i)) {
      timeline.push({
        at: c.at,
        kind: 'change',
        text: `${changeLabel(c)}, ${beforeText(c.beforeMs)}${c.review ? ` (${c.review.level} risk)` : ''}`,
        actor: c.author ?? c.source,
        ref: `change:${c.id}`,
      });
    }
    return { ...incidentSummary(repo, i), timeline: timeline.sort((a, b) => a.at - b.at) };
  }
  const mustGet = (id: string) => {
    const i = repo.incident(id);
    if (!i) throw new VigilError('not_found', `incident ${id} does not exist`);
    return i;
  };

  /** NDJSON of the raw records: the incident, then each row as its table holds it, then the changes nearby. */
  function ndjson(i: IncidentRow): string {
    const lines: unknown[] = [{ record: 'incident', ...incidentSummary(repo, i) }];
    for (const r of repo.records(i)) lines.push({ record: r.table, ...r.row });
    for (const c of nearby(i)) lines.push({ record: 'change', ...c });
    return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  }

  const handlers: Pick<Handlers, 'incidents.list' | 'incidents.get' | 'incidents.note' | 'incidents.export' | 'loop.recall'> = {
    'incidents.list': ({ limit }) => ({ items: repo.listIncidents(limit).map((i) => incidentSummary(repo, i)) }),
    'incidents.get': ({ id }) => view(mustGet(id)),
    'incidents.note': ({ id, by, text }) => {
      mustGet(id);
      const e = { incidentId: id, at: clock.now(), kind: 'note', text, actor: by, ref: null };
      ctx.stores.transaction(() => {
        d.audit.append({ actor: by, action: 'incident.note', subject: `incident:${id}`, detail: { text } });
        repo.addEntry(e);
      });
      ctx.changed(Collection.incidents);
      return { at: e.at, kind: e.kind, text, actor: by, ref: null };
    },
    'incidents.export': ({ id, format }) => {
      const i = mustGet(id);
      const text = format === 'md' ? incidentMarkdown(view(i), clock.now()) : ndjson(i);
      return { format, filename: `incident-${i.id}.${format}`, text };
    },
    'loop.recall': ({ eventId }) => {
      const ev = d.router.events.get(eventId);
      if (!ev) throw new VigilError('not_found', `event ${eventId} does not exist`);
      return { alertname: alertname(ev.labels), lines: recall(ev.labels) };
    },
  };

  return {
    handlers,
    steps,
    markdown: (id: string) => incidentMarkdown(view(mustGet(id)), clock.now()),
    onNemotron: (id: string, t: TriageResult, tools: Array<{ name: string; args: string; output: string }>) =>
      queueMicrotask(() => guard('NemoTron plan', () => proposeFromNemotron(id, t, tools))),
    review(c: ChangeRow) {
      const p = review(c)
        .catch((e: unknown) => ctx.log.error({ err: e, change: c.id }, 'change review failed'))
        .finally(() => pendingReviews.delete(p));
      pendingReviews.add(p);
    },
    /** Resolves when no change review is running (tests). */
    reviewsIdle: async () => {
      while (pendingReviews.size) await Promise.all([...pendingReviews]);
    },
  };
}
export type Loop = ReturnType<typeof wireLoop>;
