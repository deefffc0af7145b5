import { randomUUID } from 'node:crypto';
import { RemoteError, wrapCommand } from '../remote';
import type { ApprovalRow } from '../store';
import type { HealAction } from './catalogue';
import type { Guard } from './guard';
import { approvalView, type ApprovalView, type HealDeps } from './types';
import { Collection } from '../../../src-shared/api/topics';
import { redactSecrets } from '../redact';

/**
 * Running an approved heal: every blocker is asked again at run time (the approval may be minutes old), the audit
 * record is written before the command is sent (if it cannot be, nothing runs), and the outcome leaves a heal-log
 * entry, an incident and a knowledge entry.
 */
export function createExecutor(d: HealDeps, guard: Guard, timeoutMs: number, refreshPending: () => void) {
  function escalate(a: ApprovalRow, reason: string): void {
    d.sink(
      {
        source: 'vigil',
        fingerprint: `vigil:heal-loop:${a.host}:${a.target}`,
        severity: 'critical',
        status: 'firing',
        summary: `AutoHeal stopped: restart loop on ${a.target} (${a.host})`,
        description: reason,
        labels: { alertname: 'AutoHealRestartLoop', host: a.host, target: a.target, action: a.action, component: 'autoheal' },
        startsAt: d.clock.now(),
        endsAt: null,
      },
      `heal.loop(${a.id})`,
    );
  }

  function deny(a: ApprovalRow, actor: string, code: string, reason: string): ApprovalView {
    d.audit.append({
      actor,
      action: 'heal.denied',
      subject: `approval:${a.id}`,
      detail: { code, reason, host: a.host, target: a.target, heal: a.action },
    });
    d.transaction(() => {
      d.repo.insertLog({
        at: d.clock.now(),
        approvalId: a.id,
        action: a.action,
        host: a.host,
        target: a.target,
        command: a.command,
        result: 'denied',
        exitCode: null,
        output: '',
        durationMs: null,
        actor,
        detail: `${code}: ${reason}`,
      });
      d.repo.finish(a.id, 'denied', `${code}: ${reason}`);
    }, 'immediate');
    d.metrics.autohealActions.inc({ action: a.action, result: 'denied' });
    if (code === 'restart_loop') escalate(a, reason);
    d.changed(Collection.approvals, Collection.heallog);
    return approvalView(d.repo.approval(a.id)!, timeoutMs);
  }

  return async function execute(a: ApprovalRow, actor: string): Promise<ApprovalView> {
    const action = a.action as HealAction;
    const b = guard.blockers(action, a.host, a.target);
    const first = b[0];
    if (first) return deny(a, actor, first.code, first.reason);
    let live: string | null;
    try {
      live = await guard.liveCheck(action, a.host, a.target);
    } catch (e) {
      live = `cannot verify the live target: ${(e as Error).message}`;
    }
    if (live) return deny(a, actor, 'protected', live);

    const sent = wrapCommand(a.command, timeoutMs);
    try {
      d.audit.append({
        actor,
        action: 'heal.execute',
        subject: `approval:${a.id}`,
        detail: { host: a.host, target: a.target, heal: a.action, command: sent },
      });
    } catch (e) {
      d.repo.finish(a.id, 'failed', 'not executed: the audit log cannot be written');
      d.metrics.autohealActions.inc({ action, result: 'failed' });
      refreshPending();
      throw e;
    }
    const t0 = d.clock.now();
    const stopTimer = d.metrics.autohealDuration.startTimer();
    let ok = false;
    let exitCode: number | null = null;
    let output = '';
    try {
      const r = await d.pool.exec(a.host, a.command, { timeoutMs, maxBytes: 64 * 1024 });
      exitCode = r.exitCode;
      ok = r.exitCode === 0;
      output = redactSecrets((r.stdout + r.stderr).slice(0, 8000));
    } catch (e) {
      output = e instanceof RemoteError ? e.message : `failed: ${(e as Error).message}`;
    }
    stopTimer();
    const now = d.clock.now();
    const result = ok ? 'executed' : 'failed';
    const outcome = ok ? `executed: exit 0` : `failed: ${exitCode !== null ? `exit ${exitCode}` : output}`.slice(0, 500);
    const incidentId = randomUUID();
    d.transaction(() => {
      d.repo.insertLog({
        at: now,
        approvalId: a.id,
        action: a.action,
        host: a.host,
        target: a.target,
        command: sent,
        result,
        exitCode,
        output,
        durationMs: now - t0,
        actor,
        detail: a.reason,
      });
      d.repo.insertIncident({
        id: incidentId,
        at: now,
        title: `${a.action} ${a.target} on ${a.host}: ${result}`,
        host: a.host,
        target: a.target,
        action: a.action,
        status: ok ? 'mitigated' : 'open',
        approvalId: a.id,
        eventId: a.eventId,
        detail: `Proposed by ${a.proposedBy} (${a.source}): ${a.reason}\nApproved by ${a.decidedBy}: ${a.decisionReason ?? ''}\nCommand: ${sent}\nOutcome: ${outcome}`,
      });
      d.repo.finish(a.id, ok ? 'executed' : 'failed', outcome);
    }, 'immediate');
    d.audit.append({ actor, action: 'heal.result', subject: `approval:${a.id}`, detail: { result, exitCode, incidentId } });
    try {
      d.knowledge({
        title: `AutoHeal ${a.action} of ${a.target} on ${a.host} ${ok ? 'succeeded' : 'failed'}`,
        body: `Reason: ${a.reason}\nCommand: ${sent}\nApproved by ${a.decidedBy} (${a.decisionReason ?? 'no reason given'})\nOutcome: ${outcome}\n${output.slice(0, 1000)}`,
        tags: ['autoheal', a.action, `host:${a.host}`, `target:${a.target}`, result],
        ref: `approval:${a.id}`,
      });
    } catch (e) {
      // Must not undo a heal that already ran (the heal log and incident hold the facts), but is never silent.
      d.failure?.(`knowledge write after AutoHeal ${a.action} of ${a.target} on ${a.host}`, e);
    }
    d.metrics.autohealActions.inc({ action, result });
    d.changed(Collection.approvals, Collection.heallog, Collection.incidents);
    return approvalView(d.repo.approval(a.id)!, timeoutMs);
  };
}
