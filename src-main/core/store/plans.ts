import type { Database } from './db';
import { fromJson, select, type JsonText } from './sql';

export const PLAN_STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** One step as stored: its definition (type + parameters) and how it went. */
export interface StoredStep {
  type: string;
  params: Record<string, unknown>;
  timeout: number;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  result: string | null;
  error: string | null;
  /** A heal step: the AutoHeal approval it proposed and runs under (saved before waiting; what verification reports to). */
  approvalId?: string;
}

/** A HITL prompt of a wait_for_approval step. The nonce travels in the Telegram button. */
export interface StoredApproval {
  id: string;
  step: number;
  question: string;
  nonce: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedVia: string | null;
  decidedAt: number | null;
  /** The exact commands of the side-effect steps this approval lets run (AutoHeal heal steps after it). */
  commands?: string[];
}

/** One piece of evidence a proposer attaches to its plan. */
export interface PlanEvidence {
  kind: 'triage' | 'diagnosis' | 'memory' | 'change' | 'review';
  title: string;
  body: string;
}

export interface PlanRow {
  id: string;
  title: string;
  source: string;
  status: PlanStatus;
  steps: StoredStep[];
  current: number;
  createdBy: string;
  approvals: StoredApproval[];
  eventId: string | null;
  changeId: string | null;
  evidence: PlanEvidence[];
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** SQL for plans; a PostgreSQL store implements the same interface. */
export interface PlanRepository {
  insert(p: PlanRow): void;
  get(id: string): PlanRow | null;
  /** Write the whole row; `expect` guards against a concurrent change of status (compare-and-set). */
  save(p: PlanRow, expect?: PlanStatus[]): boolean;
  list(f: { status?: PlanStatus; limit: number }): PlanRow[];
  byStatus(statuses: PlanStatus[]): PlanRow[];
  /** Plans for one alert event or one change, oldest first. */
  forSubject(f: { eventIds?: string[]; changeId?: string }): PlanRow[];
  /** Pending approvals: count and the oldest creation time (smoke, metrics). */
  pendingApprovals(): { count: number; oldest: number | null };
}

interface Row {
  id: string;
  title: string;
  source: string;
  status: PlanStatus;
  steps: JsonText<StoredStep[]>;
  current: number;
  created_by: string;
  approvals: JsonText<StoredApproval[]>;
  event_id: string | null;
  change_id: string | null;
  evidence: JsonText<PlanEvidence[]>;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const toPlan = (r: Row): PlanRow => ({
  id: r.id,
  title: r.title,
  source: r.source,
  status: r.status,
  steps: fromJson(r.steps),
  current: r.current,
  createdBy: r.created_by,
  approvals: fromJson(r.approvals),
  eventId: r.event_id,
  changeId: r.change_id,
  evidence: fromJson(r.evidence),
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

const params = (p: PlanRow) => ({
  id: p.id,
  title: p.title,
  source: p.source,
  status: p.status,
  steps: JSON.stringify(p.steps),
  current: p.current,
  createdBy: p.createdBy,
  approvals: JSON.stringify(p.approvals),
  eventId: p.eventId,
  changeId: p.changeId,
  evidence: JSON.stringify(p.evidence),
  error: p.error,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  finishedAt: p.finishedAt,
});

export function sqlitePlanRepository(db: Database): PlanRepository {
  const s = {
    insert: db.prepare(
      `INSERT INTO plans (id, title, source, status, steps, current, created_by, approvals, event_id, change_id, evidence, error, created_at, updated_at, finished_at)
       VALUES (@id, @title, @source, @status, @steps, @current, @createdBy, @approvals, @eventId, @changeId, @evidence, @error, @createdAt, @updatedAt, @finishedAt)`,
    ),
    get: select<Row>(db, 'SELECT * FROM plans WHERE id = ?'),
    save: db.prepare(
      `UPDATE plans SET title = @title, status = @status, steps = @steps, current = @current, approvals = @approvals, error = @error,
       updated_at = @updatedAt, finished_at = @finishedAt WHERE id = @id`,
    ),
    pending: select<{ count: number; oldest: number | null }>(
      db,
      `SELECT COUNT(*) AS count, MIN(json_extract(a.value, '$.createdAt')) AS oldest
       FROM plans p, json_each(p.approvals) a WHERE p.status = 'waiting' AND json_extract(a.value, '$.status') = 'pending'`,
    ),
  };
  const get = (id: string): PlanRow | null => {
    const r = s.get.get(id);
    return r ? toPlan(r) : null;
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate(); // IMMEDIATE: see Stores.transaction
  return {
    insert: (p) => void s.insert.run(params(p)),
    get,
    save(p, expect) {
      return tx(() => {
        if (expect) {
          const cur = get(p.id);
          if (!cur || !expect.includes(cur.status)) return false;
        }
        return s.save.run(params(p)).changes === 1;
      });
    },
    list(f) {
      const rows = f.status
        ? select<Row>(db, 'SELECT * FROM plans WHERE status = ? ORDER BY created_at DESC, id LIMIT ?').all(f.status, f.limit)
        : select<Row>(db, 'SELECT * FROM plans ORDER BY created_at DESC, id LIMIT ?').all(f.limit);
      return rows.map(toPlan);
    },
    byStatus(statuses) {
      return select<Row>(db, `SELECT * FROM plans WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY created_at`)
        .all(...statuses)
        .map(toPlan);
    },
    forSubject(f) {
      const ids = f.eventIds ?? [];
      if (!ids.length && !f.changeId) return [];
      const where = [ids.length ? `event_id IN (${ids.map(() => '?').join(',')})` : null, f.changeId ? 'change_id = ?' : null]
        .filter(Boolean)
        .join(' OR ');
      const args = [...ids, ...(f.changeId ? [f.changeId] : [])];
      return select<Row>(db, `SELECT * FROM plans WHERE ${where} ORDER BY created_at, id`)
        .all(...args)
        .map(toPlan);
    },
    pendingApprovals() {
      const r = s.pending.get();
      return { count: r?.count ?? 0, oldest: r?.oldest ?? null };
    },
  };
}
