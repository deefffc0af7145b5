import { randomBytes } from 'node:crypto';
import { fourEyesRefusal } from '../../../../src-shared/api/people';
import { VigilError } from '../../errors';
import type { PlanRow, PlanStatus, StoredApproval, StoredStep } from '../../store';
import type { ElephantDeps } from './ports';
import { createStepRunner, StepFailure } from './step-runner';
import { validateSteps, type StepInput } from './steps';
import { Collection } from '../../../../src-shared/api/topics';

const TERMINAL: PlanStatus[] = ['succeeded', 'failed', 'cancelled'];
const LIVE: PlanStatus[] = ['pending', 'running', 'waiting'];

/**
 * ElephantAlpha: runs action plans step by step (R-AGENT-4). Steps are
 * validated before anything runs; each has a timeout; heal steps only
 * propose to AutoHeal and wait for its approval and execution;
 * wait_for_approval parks the plan on a HITL prompt (console + Telegram
 * buttons). Progress is saved after every step, so a restart resumes waiting
 * plans and fails (never repeats) a step that was running.
 */
export function createElephant(d: ElephantDeps) {
  const { repo, clock } = d;
  const newId =
    d.newId ??
    (() =>
      'p' +
      randomBytes(9)
        .toString('base64url')
        .toLowerCase()
        .replace(/[^0-9a-z]/g, '0')
        .slice(0, 12));
  const running = new Map<string, AbortController>();
  const waiters = new Map<string, (a: StoredApproval) => void>();

  /** vigil_hitl_pending counts plan prompts and AutoHeal's approvals together. */
  const gauge = () => d.metrics.hitlPending.set(repo.pendingApprovals().count + (d.otherPending?.() ?? 0));
  const publish = () => {
    gauge();
    d.changed(Collection.plans, Collection.approvals);
  };

  const audit = (actor: string, action: string, plan: PlanRow, detail: Record<string, unknown> = {}) =>
    d.audit.append({ actor, action: `plan.${action}`, subject: `plan:${plan.id}`, detail });

  function finish(
    plan: PlanRow,
    status: 'succeeded' | 'failed' | 'cancelled',
    error: string | null,
    stepStatus: StoredStep['status'] = 'skipped',
  ): void {
    const now = clock.now();
    plan.steps.forEach((s) => {
      if (s.status === 'pending' || s.status === 'running') {
        s.status = s.status === 'running' ? (status === 'cancelled' ? 'cancelled' : 'failed') : stepStatus;
        s.finishedAt = now;
      }
    });
    plan.approvals.forEach((a) => {
      if (a.status === 'pending') a.status = status === 'cancelled' ? 'cancelled' : 'expired';
    });
    Object.assign(plan, { status, error, updatedAt: now, finishedAt: now });
  }

  const { withTimeout } = createStepRunner(d, { waiters, publish, audit });

  async function run(id: string): Promise<void> {
    if (running.has(id)) return;
    const ac = new AbortController();
    running.set(id, ac);
    try {
      for (;;) {
        const plan = repo.get(id);
        if (!plan || TERMINAL.includes(plan.status)) return;
        const index = plan.current;
        if (index >= plan.steps.length) {
          finish(plan, 'succeeded', null);
          if (repo.save(plan, LIVE)) audit('elephant', 'succeeded', plan);
          return;
        }
        const step = plan.steps[index] as StoredStep;
        const now = clock.now();
        Object.assign(step, { status: 'running', startedAt: step.startedAt ?? now });
        if (plan.status !== 'waiting') plan.status = 'running';
        plan.updatedAt = now;
        if (!repo.save(plan, LIVE)) return;
        d.changed(Collection.plans);
        let result: string;
        try {
          result = await withTimeout(plan, index, ac.signal);
        } catch (e) {
          const fresh = repo.get(id);
          if (!fresh || fresh.status === 'cancelled') return;
          const msg = (e as Error).message;
          const s = fresh.steps[index] as StoredStep;
          Object.assign(s, { status: 'failed', error: msg, finishedAt: clock.now() });
          if (s.type === 'wait_for_approval')
            fresh.approvals.forEach((a) => a.step === index && a.status === 'pending' && (a.status = 'expired'));
          finish(fresh, 'failed', `step ${index + 1} (${s.type}) failed: ${msg}`);
          d.transaction(() => {
            if (repo.save(fresh, LIVE)) audit('elephant', 'failed', fresh, { step: index + 1, type: s.type, error: msg });
          });
          publish();
          return;
        }
        const fresh = repo.get(id);
        if (!fresh || TERMINAL.includes(fresh.status)) return;
        Object.assign(fresh.steps[index] as StoredStep, { status: 'succeeded', result: result.slice(0, 4000), finishedAt: clock.now() });
        Object.assign(fresh, { current: index + 1, status: 'running', updatedAt: clock.now() });
        d.transaction(() => {
          if (repo.save(fresh, LIVE)) audit('elephant', 'step_succeeded', fresh, { step: index + 1, type: step.type });
        });
        publish();
      }
    } catch (e) {
      d.log?.error({ err: e, plan: id }, 'plan runner failed');
    } finally {
      running.delete(id);
    }
  }

  return {
    repo,
    /** Validate and store a plan; a plan with a bad or unknown step is stored as failed and nothing runs. */
    create(input: {
      title: string;
      source: string;
      createdBy: string;
      eventId?: string | null;
      changeId?: string | null;
      evidence?: PlanRow['evidence'];
      steps: StepInput[];
    }): {
      plan: PlanRow;
      done: Promise<void>;
    } {
      const now = clock.now();
      const v = validateSteps(input.steps, d);
      const plan: PlanRow = {
        id: newId(),
        title: input.title,
        source: input.source,
        status: v.ok ? 'pending' : 'failed',
        steps: (v.ok ? v.steps : input.steps.map((s) => ({ type: String(s.type), params: { ...s, type: undefined }, timeout: 0 }))).map(
          (s) => ({
            type: s.type,
            params: s.params,
            timeout: s.timeout,
            status: v.ok ? 'pending' : 'skipped',
            startedAt: null,
            finishedAt: v.ok ? null : now,
            result: null,
            error: null,
          }),
        ),
        current: 0,
        createdBy: input.createdBy,
        approvals: [],
        eventId: input.eventId ?? null,
        changeId: input.changeId ?? null,
        evidence: input.evidence ?? [],
        error: v.ok ? null : `invalid plan: ${v.error}`,
        createdAt: now,
        updatedAt: now,
        finishedAt: v.ok ? null : now,
      };
      d.transaction(() => {
        audit(input.createdBy, v.ok ? 'created' : 'rejected', plan, {
          source: plan.source,
          steps: plan.steps.map((s) => s.type),
          error: plan.error,
        });
        repo.insert(plan);
      });
      d.changed(Collection.plans);
      return { plan, done: v.ok ? run(plan.id) : Promise.resolve() };
    },

    cancel(id: string, by: string): PlanRow {
      const plan = repo.get(id);
      if (!plan) throw new VigilError('not_found', `plan ${id} does not exist`);
      if (TERMINAL.includes(plan.status)) throw new VigilError('conflict', `plan ${id} is already ${plan.status}`);
      finish(plan, 'cancelled', `cancelled by ${by}`);
      d.transaction(() => {
        audit(by, 'cancelled', plan);
        if (!repo.save(plan, LIVE)) throw new VigilError('conflict', `plan ${id} finished meanwhile`);
      });
      running.get(id)?.abort(new StepFailure(`cancelled by ${by}`));
      publish();
      return plan;
    },

    /**
     * Decide a HITL prompt. `nonce` (Telegram) must match the pending
     * approval exactly; the decision is stored and audited before the plan moves on.
     */
    decide(approvalId: string, decision: 'approve' | 'reject', by: string, via: 'console' | 'telegram', nonce?: string): StoredApproval {
      const planId = approvalId.slice(0, approvalId.lastIndexOf('-'));
      const now = clock.now();
      const decided = d.transaction(() => {
        const plan = repo.get(planId);
        const a = plan?.approvals.find((x) => x.id === approvalId);
        if (!plan || !a) throw new VigilError('not_found', `approval ${approvalId} does not exist`);
        if (nonce !== undefined && nonce !== a.nonce)
          throw new VigilError('forbidden', `the button does not belong to the pending approval ${approvalId}`);
        if (a.status !== 'pending') throw new VigilError('conflict', `approval ${approvalId} is already ${a.status}`);
        if (a.expiresAt <= now)
          throw new VigilError('conflict', `approval ${approvalId} expired at ${new Date(a.expiresAt).toISOString()}`);
        if (plan.status !== 'waiting' || plan.current !== a.step)
          throw new VigilError('conflict', `plan ${planId} is not waiting for this approval (it is ${plan.status})`);
        if (decision === 'approve' && d.fourEyes?.() && plan.createdBy === by)
          throw new VigilError('forbidden', fourEyesRefusal(by, `plan "${plan.title}"`));
        Object.assign(a, { status: decision === 'approve' ? 'approved' : 'rejected', decidedBy: by, decidedVia: via, decidedAt: now });
        plan.status = 'running';
        plan.updatedAt = now;
        audit(by, decision === 'approve' ? 'approved' : 'rejected', plan, { approval: approvalId, via });
        if (!repo.save(plan, ['waiting'])) throw new VigilError('conflict', `plan ${planId} changed meanwhile`);
        return { ...a };
      });
      publish();
      const waiter = waiters.get(approvalId);
      if (waiter) waiter(decided);
      else void run(planId); // no runner waiting (e.g. after a restart): move the plan on
      return decided;
    },

    /** Start-up: a step that was running when Vigil stopped is failed, not repeated; waiting plans wait again. */
    resume(): void {
      for (const plan of repo.byStatus(['pending', 'running', 'waiting'])) {
        const step = plan.steps[plan.current];
        const waitingOnApproval = plan.status === 'waiting' || (step?.type === 'heal' && step.result?.startsWith('approval:'));
        if (plan.status === 'running' && step?.status === 'running' && !waitingOnApproval) {
          step.error = 'interrupted by a restart; not repeated';
          finish(plan, 'failed', `step ${plan.current + 1} (${step.type}) was interrupted by a restart`);
          d.transaction(() => {
            if (repo.save(plan, LIVE)) audit('elephant', 'failed', plan, { step: plan.current + 1, error: 'interrupted by a restart' });
          });
          continue;
        }
        void run(plan.id);
      }
      publish();
    },

    async stop(): Promise<void> {
      for (const ac of running.values()) ac.abort(new StepFailure('Vigil is stopping'));
    },
    publish,
    gauge,
    pendingApprovals: () => repo.pendingApprovals(),
  };
}
export type Elephant = ReturnType<typeof createElephant>;
