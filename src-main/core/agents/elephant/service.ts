import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock';
import { fourEyesRefusal } from '../../../../src-shared/api/people';
import { VigilError } from '../../errors';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import type { Message, OutboxWriter } from '../../notify';
import type { PlanRepository, PlanRow, PlanStatus, Stores, StoredApproval, StoredStep } from '../../store';
import type { AuditWriter, SafeActionSubject } from '../openclaw/safe-actions';
import { validateSteps, type StepContext, type StepInput, type StepType } from './steps';
import { Collection } from '../../../../src-shared/api/topics';

/** AutoHeal as plans see it: propose, then watch the approval until it is executed or refused. */
export interface HealGateway {
  propose(p: {
    action: string;
    host: string;
    target: string;
    reason: string;
    proposedBy: string;
    source: 'agent' | 'router';
    eventId: string | null;
  }): { id: string };
  /** pending, approved, executed, rejected, expired, failed, denied (null: unknown id). */
  status(id: string): { status: string; outcome: string | null } | null;
  /** Proposals waiting for a person (so the router does not propose the same thing twice). */
  pending(): Array<{ action: string; host: string; target: string }>;
  /** Approve a proposal on behalf of the person who approved the plan step showing its exact command (AutoHeal still checks everything). */
  approve?(id: string, by: string, reason: string): Promise<unknown>;
  /** The exact command AutoHeal would run (as shown on an approval). */
  commandOf?(action: string, host: string, target: string): string;
}

/** The closed loop's step runners (core/loop): verification after a heal, a change's watch window. */
export interface LoopSteps {
  verify(
    p: { fingerprint: string; host: string; action?: string; target?: string; window?: number },
    plan: PlanRow,
    signal: AbortSignal,
  ): Promise<string>;
  watch(p: { service?: string; hosts: string[]; minutes: number }, plan: PlanRow, signal: AbortSignal): Promise<string>;
}

export interface ElephantDeps extends StepContext {
  repo: PlanRepository;
  /** ctx.stores.transaction: a plan's row and what it queues commit together. */
  transaction: Stores['transaction'];
  clock: Clock;
  metrics: Metrics;
  audit: AuditWriter;
  log?: Logger;
  outbox: OutboxWriter | null;
  /** Telegram channels get HITL prompts with buttons; desktop channels a notice. */
  hitlChannels: () => Array<{ name: string; type: string }>;
  /** L1 diagnostic through the command policy; rejects with the DENY reason. Returns the output. */
  diagnose: ((host: string, command: string, actor: string) => Promise<string>) | null;
  safeAction: (action: string, subject: SafeActionSubject, actor: string) => { insightId: number };
  heal: HealGateway | null;
  loop?: () => LoopSteps | null;
  /** people.fourEyes: whoever created a plan may not approve its steps. */
  fourEyes?: () => boolean;
  changed(...what: Collection[]): void;
  /** Other pending human approvals (AutoHeal's), so vigil_hitl_pending counts both. */
  otherPending?: () => number;
  newId?: () => string;
  /** How often a heal step looks at its approval. */
  healPollMs?: number;
}

const TERMINAL: PlanStatus[] = ['succeeded', 'failed', 'cancelled'];
const LIVE: PlanStatus[] = ['pending', 'running', 'waiting'];
const HEAL_DONE = new Set(['executed']);
const HEAL_FAILED = new Set(['rejected', 'expired', 'failed', 'denied']);

class StepFailure extends Error {}

/** Telegram callback_data: "hitl:<a|r>:<approval id>:<nonce>" (≤ 64 bytes). */
export const callbackData = (decision: 'approve' | 'reject', a: Pick<StoredApproval, 'id' | 'nonce'>): string =>
  `hitl:${decision === 'approve' ? 'a' : 'r'}:${a.id}:${a.nonce}`;
export const CALLBACK_RE = /^hitl:(a|r):(p[0-9a-z]{12}-\d{1,3}):([0-9a-f]{16})$/;

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

  // ── step handlers ──

  async function waitForApproval(plan: PlanRow, index: number, signal: AbortSignal): Promise<string> {
    const step = plan.steps[index] as StoredStep;
    let a = plan.approvals.find((x) => x.step === index);
    if (!a) {
      const now = clock.now();
      // The heal steps this approval covers: up to the next approval step (which asks again for what follows it).
      const next = plan.steps.findIndex((s, i) => i > index && s.type === 'wait_for_approval');
      const commands = plan.steps.slice(index + 1, next < 0 ? undefined : next).flatMap((s) => {
        const p = s.params as { action?: string; host?: string; target?: string };
        return s.type === 'heal' && d.heal?.commandOf ? [d.heal.commandOf(String(p.action), String(p.host), String(p.target))] : [];
      });
      a = {
        id: `${plan.id}-${index}`,
        step: index,
        question: String(step.params.question),
        nonce: randomBytes(8).toString('hex'),
        status: 'pending',
        createdAt: now,
        expiresAt: now + step.timeout,
        decidedBy: null,
        decidedVia: null,
        decidedAt: null,
        commands,
      };
      const approval = a;
      plan.approvals.push(approval);
      plan.status = 'waiting';
      plan.updatedAt = now;
      d.transaction(() => {
        audit('elephant', 'approval_requested', plan, { approval: approval.id, step: index + 1, question: approval.question });
        if (!repo.save(plan, ['running'])) throw new StepFailure('the plan changed while asking for approval');
        for (const ch of d.hitlChannels())
          d.outbox?.enqueue(ch.name, hitlMessage(plan, approval, ch.type === 'telegram'), `hitl:${approval.id}:${ch.name}`);
      });
      publish();
    }
    const decided = a.status === 'pending' ? await awaitDecision(a.id, signal) : a;
    if (decided.status === 'approved') return `approved by ${decided.decidedBy} via ${decided.decidedVia}`;
    throw new StepFailure(`approval ${decided.status}${decided.decidedBy ? ` by ${decided.decidedBy} via ${decided.decidedVia}` : ''}`);
  }

  function awaitDecision(id: string, signal: AbortSignal): Promise<StoredApproval> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        waiters.delete(id);
        reject(signal.reason as Error);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.set(id, (a) => {
        signal.removeEventListener('abort', onAbort);
        waiters.delete(id);
        resolve(a);
      });
    });
  }

  async function healStep(plan: PlanRow, index: number, signal: AbortSignal): Promise<string> {
    if (!d.heal) throw new StepFailure('AutoHeal is not available in this Vigil');
    const step = plan.steps[index] as StoredStep;
    const p = step.params as { action: string; host: string; target: string; reason?: string };
    // The proposal id is saved before waiting, so a resumed plan never proposes twice.
    let id = step.result?.startsWith('approval:') ? step.result.slice('approval:'.length) : null;
    if (!id) {
      id = d.heal.propose({
        action: p.action,
        host: p.host,
        target: p.target,
        reason: p.reason ?? `plan "${plan.title}" step ${index + 1}`,
        proposedBy: `elephant:${plan.id}`,
        source: 'agent',
        eventId: plan.eventId,
      }).id;
      step.result = `approval:${id}`;
      repo.save(plan, ['running']);
      // A person already approved this exact command on the plan's wait_for_approval step: that decision is theirs.
      const command = d.heal.commandOf?.(p.action, p.host, p.target);
      const ok = plan.approvals.find(
        (a) => a.step < index && a.status === 'approved' && command !== undefined && a.commands?.includes(command),
      );
      if (ok && d.heal.approve) {
        const healId = id;
        void d.heal
          .approve(healId, ok.decidedBy ?? 'unknown', `approved in plan ${plan.id} step ${ok.step + 1} (${ok.decidedVia})`)
          .catch((e: Error) => d.log?.warn({ err: e.message, plan: plan.id }, 'plan-approved heal was refused'));
      }
    }
    const approvalId = id;
    const heal = d.heal;
    return new Promise<string>((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const check = () => {
        const st = heal.status(approvalId);
        if (st && HEAL_DONE.has(st.status))
          return settle(() => resolve(`AutoHeal ${approvalId} executed${st.outcome ? `: ${st.outcome}` : ''}`));
        if (!st || HEAL_FAILED.has(st.status))
          return settle(() =>
            reject(new StepFailure(`AutoHeal ${approvalId} ${st?.status ?? 'disappeared'}${st?.outcome ? `: ${st.outcome}` : ''}`)),
          );
      };
      const onAbort = () => settle(() => reject(signal.reason as Error));
      const settle = (fn: () => void) => {
        timer?.cancel();
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      timer = clock.setInterval(check, d.healPollMs ?? 2_000);
      check();
    });
  }

  async function runStep(plan: PlanRow, index: number, signal: AbortSignal): Promise<string> {
    const step = plan.steps[index] as StoredStep;
    const actor = `elephant:${plan.id}`;
    const p = step.params;
    switch (step.type as StepType) {
      case 'diagnose':
        if (!d.diagnose) throw new StepFailure('remote diagnostics are not available in this Vigil');
        return d.diagnose(String(p.host), String(p.command), actor);
      case 'safe_action': {
        const r = d.safeAction(
          String(p.action),
          { eventId: plan.eventId, insightId: p.insightId as number | undefined, title: plan.title, body: '', source: 'elephant' },
          actor,
        );
        return `${String(p.action)} on insight ${r.insightId}`;
      }
      case 'heal':
        return healStep(plan, index, signal);
      case 'notify': {
        if (!d.outbox) throw new StepFailure('the notification outbox is not available');
        const msg: Message = {
          kind: 'vigil',
          title: String(p.title),
          body: String(p.body ?? ''),
          severity: p.severity as Message['severity'],
          eventId: plan.eventId,
          fingerprint: null,
          status: 'firing',
          labels: { plan: plan.id },
        };
        d.transaction(() => (p.channels as string[]).forEach((ch) => d.outbox?.enqueue(ch, msg, `plan:${plan.id}:${index}:${ch}`)));
        return `queued for ${(p.channels as string[]).join(', ')}`;
      }
      case 'wait_for_approval':
        return waitForApproval(plan, index, signal);
      case 'verify':
      case 'watch': {
        const loop = d.loop?.();
        if (!loop) throw new StepFailure('verification is not available in this Vigil');
        return step.type === 'verify'
          ? loop.verify(p as Parameters<LoopSteps['verify']>[0], plan, signal)
          : loop.watch(p as Parameters<LoopSteps['watch']>[0], plan, signal);
      }
      default:
        throw new StepFailure(`unknown step type "${step.type}"`);
    }
  }

  /** Race a step against its timeout; the step's signal aborts when either the timeout or a cancel fires. */
  function withTimeout(plan: PlanRow, index: number, outer: AbortSignal): Promise<string> {
    const step = plan.steps[index] as StoredStep;
    const pending = plan.approvals.find((a) => a.step === index && a.status === 'pending');
    const ms = pending ? Math.max(0, pending.expiresAt - clock.now()) : step.timeout;
    const ac = new AbortController();
    const onOuter = () => ac.abort(outer.reason);
    outer.addEventListener('abort', onOuter, { once: true });
    const timer = clock.setTimeout(() => ac.abort(new StepFailure(`timed out after ${step.timeout} ms`)), ms);
    return runStep(plan, index, ac.signal).finally(() => {
      timer.cancel();
      outer.removeEventListener('abort', onOuter);
    });
  }

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

function hitlMessage(plan: PlanRow, a: StoredApproval, buttons: boolean): Message {
  const steps = plan.steps.map((s, i) => `${i + 1}. ${s.type}${i === a.step ? ' ← waiting here' : ''}`).join('\n');
  return {
    kind: 'hitl',
    title: `Approval needed: ${plan.title}`,
    body: `${a.question}\n\nPlan ${plan.id} (${plan.source}, by ${plan.createdBy}):\n${steps}\n\nExpires ${new Date(a.expiresAt).toISOString()}.`,
    severity: 'warning',
    eventId: plan.eventId,
    fingerprint: null,
    status: 'firing',
    labels: { plan: plan.id, approval: a.id },
    ...(buttons
      ? {
          buttons: [
            { text: 'Approve', data: callbackData('approve', a) },
            { text: 'Reject', data: callbackData('reject', a) },
          ],
        }
      : {}),
  };
}
