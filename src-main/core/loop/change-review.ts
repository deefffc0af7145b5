import { changeLabel } from '../../../src-shared/api/changes';
import type { StepInput } from '../agents';
import { llmReview, ruleReview } from '../changes';
import type { CoreContext } from '../context';
import type { ChangeRow, PlanEvidence } from '../store';
import type { LoopDeps } from './deps';
import { shapePlan } from './plans';

/**
 * Change review (R-CHANGE-2): Hermes' rules (or NemoTron when an LLM is set) rate each change; a risky one
 * gets a plan that asks a person before watching its alerts, diagnosing and proposing a restart.
 */
export function createChangeReview(ctx: CoreContext, d: LoopDeps) {
  const { clock } = ctx;

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

  return {
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
