import { randomBytes } from 'node:crypto';
import type { TimerHandle } from '../../clock';
import type { Message } from '../../notify';
import type { PlanRow, StoredApproval, StoredStep } from '../../store';
import { hitlMessage } from './hitl';
import type { ElephantDeps, LoopSteps } from './ports';
import type { StepType } from './steps';

const HEAL_DONE = new Set(['executed']);
const HEAL_FAILED = new Set(['rejected', 'expired', 'failed', 'denied']);

/** A step that failed for a reason the plan records (not a bug in the runner). */
export class StepFailure extends Error {}

/** What the runner shares with the plan service: who waits on which approval, and how a change is announced and audited. */
export interface RunnerHooks {
  waiters: Map<string, (a: StoredApproval) => void>;
  publish(): void;
  audit(actor: string, action: string, plan: PlanRow, detail?: Record<string, unknown>): void;
}

/**
 * How each step type runs (R-AGENT-4): diagnostics through the command policy, heal steps only through
 * AutoHeal's approval, wait_for_approval parked on a HITL prompt; every step raced against its timeout.
 */
export function createStepRunner(d: ElephantDeps, { waiters, publish, audit }: RunnerHooks) {
  const { repo, clock } = d;

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
    // The proposal id is saved before waiting, so a resumed plan never proposes twice (a plan saved before the field
    // existed kept it only in its result text).
    let id = step.approvalId ?? (step.result?.startsWith('approval:') ? step.result.slice('approval:'.length) : null);
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
      step.approvalId = id;
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

  return { withTimeout };
}
