import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../clock';
import { fourEyesRefusal } from '../../../src-shared/api/people';
import { VigilError } from '../errors';
import { wrapCommand } from '../remote';
import type { ApprovalRow } from '../store';
import { healCommand, isHealAction, paramHash } from './catalogue';
import { createExecutor } from './execute';
import { createGuard } from './guard';
import { BUILTIN_PROTECTED, protectedBy, type LiveFacts, type ProtectedRule } from './protected';
import { approvalView, type ApprovalView, type HealDeps, type Proposal } from './types';
import { Collection } from '../../../src-shared/api/topics';

export type { ApprovalView, HealDeps, KnowledgeWriter, Proposal } from './types';

/**
 * AutoHeal (R-HEAL-3..7): closed catalogue, protected resources (static and
 * live), approvals bound to action+host+target+parameters that are
 * single-use and expire, kill switch, per-target rate limit, restart-loop
 * detection, dry run. Every step is audited before it takes effect; if the
 * audit cannot be written, nothing runs.
 */
export function createHeal(d: HealDeps) {
  const cfg = d.config.heal;
  const rules: ProtectedRule[] = [...BUILTIN_PROTECTED, ...d.config.protected];
  const timeoutMs = cfg.execTimeout;
  let sweeper: TimerHandle | null = null;

  const guard = createGuard(d, rules, (kind, target, live) => api.protectedReason(kind, target, live));
  const { killSwitch, validate, blockers } = guard;

  const refreshPending = (): void => {
    d.metrics.hitlPending.set(d.repo.countPending(d.clock.now()) + (d.otherPending?.() ?? 0));
    d.changed(Collection.approvals);
  };
  const execute = createExecutor(d, guard, timeoutMs, refreshPending);

  function expireDue(): void {
    const rows = d.repo.expireDue(d.clock.now());
    for (const r of rows) {
      try {
        d.audit.append({
          actor: 'vigil',
          action: 'approval.expired',
          subject: `approval:${r.id}`,
          detail: { host: r.host, target: r.target, heal: r.action },
        });
      } catch (e) {
        // Expiring is the safe direction (the approval stays expired), but a gap in the audit is never silent.
        d.failure?.(`audit write for the expiry of approval ${r.id}`, e);
      }
    }
    if (rows.length) refreshPending();
  }

  const api = {
    /**
     * The protection rule that refuses acting on this target, as a sentence; null when none does. Every AutoHeal
     * decision asks this, and so does the "protected resources enforced" self-check (R-SMOKE-1): replacing it (a test
     * seam) is what "AutoHeal ignores its rules" looks like, and the check must then turn red.
     */
    protectedReason: (kind: 'service' | 'container', target: string, live?: LiveFacts): string | null =>
      protectedBy(rules, kind, target, live),
    killSwitch,
    setKillSwitch(on: boolean, by: string, reason: string) {
      d.audit.append({ actor: by, action: on ? 'heal.kill_switch_on' : 'heal.kill_switch_off', subject: 'autoheal', detail: { reason } });
      d.repo.setSetting('killSwitch', JSON.stringify({ on, by }), by, d.clock.now());
      d.changed(Collection.heal);
      return killSwitch();
    },

    propose(p: Proposal): ApprovalView {
      const { action, command } = validate(p.action, p.host, p.target);
      const b = blockers(action, p.host, p.target).filter((x) => x.code === 'kill_switch' || x.code === 'protected');
      const first = b[0];
      if (first) {
        d.audit.append({
          actor: p.proposedBy,
          action: 'heal.proposal_refused',
          subject: `host:${p.host}`,
          detail: { heal: action, target: p.target, code: first.code, reason: first.reason },
        });
        d.metrics.autohealActions.inc({ action, result: 'denied' });
        throw new VigilError('forbidden', `AutoHeal refuses ${action} ${p.target}: ${first.reason}`);
      }
      const now = d.clock.now();
      const params = {};
      const row: ApprovalRow = {
        id: randomUUID(),
        action,
        host: p.host,
        target: p.target,
        params: JSON.stringify(params),
        paramHash: paramHash({ action, host: p.host, target: p.target, params }),
        command,
        status: 'pending',
        proposedBy: p.proposedBy,
        source: p.source,
        reason: p.reason,
        eventId: p.eventId ?? null,
        createdAt: now,
        expiresAt: now + cfg.approvalTtl,
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
        outcome: null,
      };
      d.transaction(() => {
        d.audit.append({
          actor: p.proposedBy,
          action: 'heal.proposed',
          subject: `approval:${row.id}`,
          detail: {
            heal: action,
            host: p.host,
            target: p.target,
            paramHash: row.paramHash,
            source: p.source,
            reason: p.reason,
            expiresAt: row.expiresAt,
          },
        });
        d.repo.insertApproval(row);
      }, 'immediate');
      refreshPending();
      return approvalView(row, timeoutMs);
    },

    async dryRun(p: { action: string; host: string; target: string }, actor: string) {
      const { action, command } = validate(p.action, p.host, p.target);
      const found = blockers(action, p.host, p.target).map((x) => x.reason);
      let live: string | null;
      try {
        live = await guard.liveCheck(action, p.host, p.target);
      } catch (e) {
        live = `cannot verify the live target now: ${(e as Error).message}`;
      }
      if (live) found.push(live);
      const sent = wrapCommand(command, timeoutMs);
      d.audit.append({
        actor,
        action: 'heal.dry_run',
        subject: `host:${p.host}`,
        detail: { heal: action, target: p.target, command: sent, blockers: found },
      });
      d.metrics.autohealActions.inc({ action, result: 'dry_run' });
      return { command: sent, host: p.host, wouldRun: found.length === 0, blockers: found };
    },

    async decide(id: string, decision: 'approve' | 'reject', by: string, why: string): Promise<ApprovalView> {
      const a = d.repo.approval(id);
      if (!a) throw new VigilError('not_found', `approval ${id} does not exist`);
      const now = d.clock.now();
      if (a.status === 'pending' && a.expiresAt <= now) {
        expireDue();
        throw new VigilError(
          'conflict',
          `approval ${id} expired at ${new Date(a.expiresAt).toISOString()}; nothing ran. Propose the action again.`,
        );
      }
      if (a.status !== 'pending') {
        d.audit.append({ actor: by, action: 'approval.reuse_refused', subject: `approval:${id}`, detail: { status: a.status, decision } });
        throw new VigilError('conflict', `approval ${id} is already ${a.status}; an approval is used once`);
      }
      if (decision === 'reject') {
        const claimed = d.transaction(() => {
          d.audit.append({ actor: by, action: 'approval.rejected', subject: `approval:${id}`, detail: { reason: why } });
          if (!d.repo.claim(id, 'rejected', by, now, why)) throw new VigilError('conflict', `approval ${id} was decided meanwhile`);
          return true;
        }, 'immediate');
        void claimed;
        refreshPending();
        return approvalView(d.repo.approval(id)!, timeoutMs);
      }
      if (d.config.people.fourEyes && a.proposedBy === by) {
        d.audit.append({ actor: by, action: 'approval.four_eyes_refused', subject: `approval:${id}` });
        throw new VigilError('forbidden', fourEyesRefusal(by, `${a.action} on ${a.host}`));
      }
      // The binding: stored action/host/target/params must still hash to what was proposed, and map to the same command.
      const params = JSON.parse(a.params) as Record<string, unknown>;
      if (
        !isHealAction(a.action) ||
        paramHash({ action: a.action, host: a.host, target: a.target, params }) !== a.paramHash ||
        healCommand(a.action, a.target) !== a.command
      ) {
        d.audit.append({ actor: by, action: 'approval.binding_broken', subject: `approval:${id}`, detail: { paramHash: a.paramHash } });
        throw new VigilError('forbidden', `approval ${id} does not match the action it was created for; refusing`);
      }
      d.transaction(() => {
        d.audit.append({
          actor: by,
          action: 'approval.approved',
          subject: `approval:${id}`,
          detail: { reason: why, paramHash: a.paramHash, heal: a.action, host: a.host, target: a.target },
        });
        if (!d.repo.claim(id, 'approved', by, now, why))
          throw new VigilError('conflict', `approval ${id} was decided or expired meanwhile; nothing ran`);
      }, 'immediate');
      refreshPending();
      return execute(d.repo.approval(id)!, by);
    },

    /** The exact command an approval of action+target shows and runs (catalogue only; throws otherwise). */
    commandOf: (action: string, target: string) => wrapCommand(healCommand(action, target), timeoutMs),
    pending: () => d.repo.pending(d.clock.now()).map((r) => approvalView(r, timeoutMs)),
    history: (limit: number) => d.repo.history(limit).map((r) => approvalView(r, timeoutMs)),
    logs: (limit: number) => d.repo.logs(limit),
    incidents: (limit: number) => d.repo.incidents(limit),
    expireDue,
    start() {
      expireDue();
      refreshPending();
      sweeper = d.clock.setInterval(expireDue, 15_000);
    },
    stop() {
      sweeper?.cancel();
    },
  };
  return api;
}
export type Heal = ReturnType<typeof createHeal>;
