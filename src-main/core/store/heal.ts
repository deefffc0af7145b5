import type { Database } from './db';
import { counter, select } from './sql';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed' | 'denied';

export interface ApprovalRow {
  id: string;
  action: string;
  host: string;
  target: string;
  params: string;
  paramHash: string;
  command: string;
  status: ApprovalStatus;
  proposedBy: string;
  source: string;
  reason: string;
  eventId: string | null;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  outcome: string | null;
}

export interface HealLogRow {
  id: number;
  at: number;
  approvalId: string | null;
  action: string;
  host: string;
  target: string;
  command: string;
  result: string;
  exitCode: number | null;
  output: string;
  durationMs: number | null;
  actor: string;
  detail: string;
}

export interface IncidentRow {
  id: string;
  at: number;
  title: string;
  host: string;
  target: string;
  action: string;
  status: string;
  approvalId: string | null;
  eventId: string | null;
  detail: string;
}

export interface HealRepository {
  insertApproval(a: ApprovalRow): void;
  approval(id: string): ApprovalRow | undefined;
  /** pending → next, only if still pending and (for approve) not expired: the single-use gate. */
  claim(id: string, next: 'approved' | 'rejected', by: string, at: number, why: string): boolean;
  finish(id: string, status: ApprovalStatus, outcome: string): void;
  expireDue(now: number): ApprovalRow[];
  pending(now: number): ApprovalRow[];
  history(limit: number): ApprovalRow[];
  countPending(now: number): number;
  insertLog(l: Omit<HealLogRow, 'id'>): number;
  logs(limit: number): HealLogRow[];
  /** Executions (attempted on the host) of one target since a time. */
  executionsSince(host: string, target: string, since: number): number;
  insertIncident(i: IncidentRow): void;
  /** The loop's verdict on an executed heal: 'mitigated' (the command ran) becomes 'verified' or 'not fixed'. */
  verdict(approvalId: string, status: 'verified' | 'not fixed', detail: string): void;
  incidents(limit: number): IncidentRow[];
  setting(key: string): string | undefined;
  setSetting(key: string, value: string, by: string, at: number): void;
}

const A = `id, action, host, target, params, param_hash AS paramHash, command, status, proposed_by AS proposedBy, source, reason, event_id AS eventId,
  created_at AS createdAt, expires_at AS expiresAt, decided_by AS decidedBy, decided_at AS decidedAt, decision_reason AS decisionReason, outcome`;
const L =
  'id, at, approval_id AS approvalId, action, host, target, command, result, exit_code AS exitCode, output, duration_ms AS durationMs, actor, detail';
const I = 'id, at, title, host, target, action, status, approval_id AS approvalId, event_id AS eventId, detail';

export function sqliteHealRepository(db: Database): HealRepository {
  const s = {
    insApproval: db.prepare(
      `INSERT INTO heal_approvals (id, action, host, target, params, param_hash, command, status, proposed_by, source, reason, event_id, created_at, expires_at)
       VALUES (@id, @action, @host, @target, @params, @paramHash, @command, @status, @proposedBy, @source, @reason, @eventId, @createdAt, @expiresAt)`,
    ),
    approval: select<ApprovalRow>(db, `SELECT ${A} FROM heal_approvals WHERE id = ?`),
    claimApprove: db.prepare(
      `UPDATE heal_approvals SET status = 'approved', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending' AND expires_at > ?`,
    ),
    claimReject: db.prepare(
      `UPDATE heal_approvals SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending'`,
    ),
    finish: db.prepare('UPDATE heal_approvals SET status = ?, outcome = ? WHERE id = ?'),
    due: select<ApprovalRow>(db, `SELECT ${A} FROM heal_approvals WHERE status = 'pending' AND expires_at <= ?`),
    expire: db.prepare(
      `UPDATE heal_approvals SET status = 'expired', outcome = 'expired before a decision' WHERE id = ? AND status = 'pending'`,
    ),
    pending: select<ApprovalRow>(db, `SELECT ${A} FROM heal_approvals WHERE status = 'pending' AND expires_at > ? ORDER BY created_at`),
    history: select<ApprovalRow>(
      db,
      `SELECT ${A} FROM heal_approvals WHERE status != 'pending' ORDER BY COALESCE(decided_at, expires_at) DESC LIMIT ?`,
    ),
    countPending: counter(db, `SELECT COUNT(*) AS n FROM heal_approvals WHERE status = 'pending' AND expires_at > ?`),
    insLog: db.prepare(
      `INSERT INTO heal_log (at, approval_id, action, host, target, command, result, exit_code, output, duration_ms, actor, detail)
       VALUES (@at, @approvalId, @action, @host, @target, @command, @result, @exitCode, @output, @durationMs, @actor, @detail)`,
    ),
    logs: select<HealLogRow>(db, `SELECT ${L} FROM heal_log ORDER BY id DESC LIMIT ?`),
    execSince: counter(
      db,
      `SELECT COUNT(*) AS n FROM heal_log WHERE host = ? AND target = ? AND at >= ? AND result IN ('executed', 'failed')`,
    ),
    insIncident: db.prepare(
      'INSERT INTO incidents (id, at, title, host, target, action, status, approval_id, event_id, detail) VALUES (@id, @at, @title, @host, @target, @action, @status, @approvalId, @eventId, @detail)',
    ),
    verdict: db.prepare(`UPDATE incidents SET status = ?, detail = detail || char(10) || ? WHERE approval_id = ? AND status = 'mitigated'`),
    incidents: select<IncidentRow>(db, `SELECT ${I} FROM incidents ORDER BY at DESC LIMIT ?`),
    setting: select<{ value: string }>(db, 'SELECT value FROM heal_settings WHERE key = ?'),
    setSetting: db.prepare(
      'INSERT INTO heal_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at',
    ),
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();
  return {
    insertApproval: (a) => void s.insApproval.run(a),
    approval: (id) => s.approval.get(id),
    claim: (id, next, by, at, why) =>
      (next === 'approved' ? s.claimApprove.run(by, at, why, id, at) : s.claimReject.run(by, at, why, id)).changes === 1,
    finish: (id, status, outcome) => void s.finish.run(status, outcome, id),
    // A read first: the sweep (every 15 s, on the main thread) takes the write lock, and so waits for the decider
    // thread's transaction, only when an approval is due.
    expireDue: (now) =>
      s.due.all(now).length
        ? tx(() => {
            const rows = s.due.all(now);
            for (const r of rows) s.expire.run(r.id);
            return rows;
          })
        : [],
    pending: (now) => s.pending.all(now),
    history: (limit) => s.history.all(limit),
    countPending: (now) => s.countPending(now),
    insertLog: (l) => Number(s.insLog.run(l).lastInsertRowid),
    logs: (limit) => s.logs.all(limit),
    executionsSince: (host, target, since) => s.execSince(host, target, since),
    insertIncident: (i) => void s.insIncident.run(i),
    verdict: (id, status, detail) => void s.verdict.run(status, `Verification: ${detail}`, id),
    incidents: (limit) => s.incidents.all(limit),
    setting: (key) => s.setting.get(key)?.value,
    setSetting: (key, value, by, at) => void s.setSetting.run(key, value, by, at),
  };
}
