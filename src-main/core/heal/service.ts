import { randomUUID } from 'node:crypto';
import type { Audit } from '../audit';
import type { Clock, TimerHandle } from '../clock';
import type { Config } from '../config';
import { fourEyesRefusal } from '../../../src-shared/api/people';
import { VigilError } from '../errors';
import type { Metrics } from '../metrics';
import { type EventSink, RemoteError, wrapCommand, type SshPool } from '../remote';
import type { ApprovalRow, HealRepository, Stores } from '../store';
import { healCommand, isHealAction, paramHash, targetKind, type HealAction } from './catalogue';
import { BUILTIN_PROTECTED, liveProtectionCheck, protectedBy, type LiveFacts, type ProtectedRule } from './protected';
import { Collection } from '../../../src-shared/api/topics';
import { redactSecrets } from '../redact';

/** Where a heal's knowledge entry goes (OpenClaw insights, wired in app.ts). */
export type KnowledgeWriter = (k: { title: string; body: string; tags: string[]; ref: string }) => void;

export interface Proposal {
  action: string;
  host: string;
  target: string;
  reason: string;
  proposedBy: string;
  source: 'router' | 'agent' | 'person';
  eventId?: string | null;
}

/** An approval as the console shows it: `command` is exactly what runs on the host if approved. */
export type ApprovalView = Omit<ApprovalRow, 'params'>;

export interface HealDeps {
  config: Config;
  repo: HealRepository;
  /** ctx.stores.transaction (immediate: a claim reads then writes, and another process may decide at once). */
  transaction: Stores['transaction'];
  audit: Audit;
  pool: SshPool;
  clock: Clock;
  metrics: Metrics;
  sink: EventSink;
  knowledge: KnowledgeWriter;
  hostExists(host: string): boolean;
  changed(...what: Collection[]): void;
  /** Other pending human approvals (ElephantAlpha HITL), so vigil_hitl_pending counts both kinds. */
  otherPending?: () => number;
  /** A write that failed after the fact (knowledge, audit): a `vigil` event and a log line (R-ROUTE-1). Never throws. */
  failure?: (what: string, err: unknown) => void;
}

const view = (r: ApprovalRow, timeoutMs: number): ApprovalView => ({
  id: r.id,
  action: r.action,
  host: r.host,
  target: r.target,
  command: wrapCommand(r.command, timeoutMs),
  paramHash: r.paramHash,
  status: r.status,
  proposedBy: r.proposedBy,
  source: r.source,
  reason: r.reason,
  eventId: r.eventId,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  decisionReason: r.decisionReason,
  outcome: r.outcome,
});

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

  const killSwitch = (): { on: boolean; source: 'config' | 'runtime' | 'off'; by: string | null } => {
    if (cfg.killSwitch) return { on: true, source: 'config', by: null };
    const v = d.repo.setting('killSwitch');
    if (v) {
      const s = JSON.parse(v) as { on: boolean; by: string };
      if (s.on) return { on: true, source: 'runtime', by: s.by };
    }
    return { on: false, source: 'off', by: null };
  };

  const refreshPending = (): void => {
    d.metrics.hitlPending.set(d.repo.countPending(d.clock.now()) + (d.otherPending?.() ?? 0));
    d.changed(Collection.approvals);
  };

  const validate = (action: string, host: string, target: string): { action: HealAction; command: string } => {
    const command = healCommand(action, target); // throws bad_request outside the catalogue
    if (!d.hostExists(host)) throw new VigilError('not_found', `no host named "${host}" in the config`);
    return { action: action as HealAction, command };
  };

  /** Blockers that need no host access: kill switch, protected (static), restart loop, rate limit. */
  const blockers = (
    action: HealAction,
    host: string,
    target: string,
  ): Array<{ code: 'kill_switch' | 'protected' | 'restart_loop' | 'rate_limited'; reason: string }> => {
    const out: Array<{ code: 'kill_switch' | 'protected' | 'restart_loop' | 'rate_limited'; reason: string }> = [];
    const ks = killSwitch();
    if (ks.on) out.push({ code: 'kill_switch', reason: `the AutoHeal kill switch is on (${ks.source}${ks.by ? ' by ' + ks.by : ''})` });
    const prot = api.protectedReason(targetKind(action), target);
    if (prot) out.push({ code: 'protected', reason: prot });
    const now = d.clock.now();
    const inLoopWindow = d.repo.executionsSince(host, target, now - cfg.loopWindow);
    if (inLoopWindow >= cfg.loopThreshold)
      out.push({
        code: 'restart_loop',
        reason: `${target} on ${host} was healed ${inLoopWindow} times in the last ${Math.round(cfg.loopWindow / 60_000)} min: restart loop, a person must look`,
      });
    const inRateWindow = d.repo.executionsSince(host, target, now - cfg.rateWindow);
    if (inRateWindow >= cfg.ratePerTarget)
      out.push({
        code: 'rate_limited',
        reason: `${target} on ${host} reached ${cfg.ratePerTarget} heals per ${Math.round(cfg.rateWindow / 60_000)} min`,
      });
    return out;
  };

  const exec = (host: string, command: string) => d.pool.exec(host, command, { timeoutMs: 30_000, maxBytes: 64 * 1024 });

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
    return view(d.repo.approval(a.id)!, timeoutMs);
  }

  async function execute(a: ApprovalRow, actor: string): Promise<ApprovalView> {
    const action = a.action as HealAction;
    const b = blockers(action, a.host, a.target);
    const first = b[0];
    if (first) return deny(a, actor, first.code, first.reason);
    let live: string | null;
    try {
      live = await liveProtectionCheck(rules, action, targetKind(action), a.target, (c) => exec(a.host, c));
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
    return view(d.repo.approval(a.id)!, timeoutMs);
  }

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
      return view(row, timeoutMs);
    },

    async dryRun(p: { action: string; host: string; target: string }, actor: string) {
      const { action, command } = validate(p.action, p.host, p.target);
      const found = blockers(action, p.host, p.target).map((x) => x.reason);
      let live: string | null;
      try {
        live = await liveProtectionCheck(rules, action, targetKind(action), p.target, (c) => exec(p.host, c));
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
        return view(d.repo.approval(id)!, timeoutMs);
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
    pending: () => d.repo.pending(d.clock.now()).map((r) => view(r, timeoutMs)),
    history: (limit: number) => d.repo.history(limit).map((r) => view(r, timeoutMs)),
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
