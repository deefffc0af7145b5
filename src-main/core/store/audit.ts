import type { Database } from './db';
import { select } from './sql';

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  limit?: number;
  beforeId?: number;
  action?: string;
  since?: number;
  until?: number;
}

/** SQL for the audit chain; hashing lives in core/audit. */
export interface AuditRepository {
  last(): AuditRow | undefined;
  insert(row: AuditRow): void;
  list(q: AuditQuery): AuditRow[];
  /** Every row in id order, streamed (verify walks the whole chain). */
  iterate(): IterableIterator<AuditRow>;
}

const COLS = 'id, at, actor, action, subject, detail, prev_hash AS prevHash, hash';

export function sqliteAuditRepository(db: Database): AuditRepository {
  const lastStmt = select<AuditRow>(db, `SELECT ${COLS} FROM audit_log ORDER BY id DESC LIMIT 1`);
  const insertStmt = db.prepare(
    'INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES (@id, @at, @actor, @action, @subject, @detail, @prevHash, @hash)',
  );
  const iterStmt = select<AuditRow>(db, `SELECT ${COLS} FROM audit_log ORDER BY id`);
  return {
    last: () => lastStmt.get(),
    insert: (row) => void insertStmt.run(row),
    list(q) {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: Math.min(q.limit ?? 200, 5000) };
      const add = (cond: string, key: string, value: unknown): void => {
        if (value === undefined || value === '') return;
        where.push(cond);
        args[key] = value;
      };
      add('id < @beforeId', 'beforeId', q.beforeId);
      add('action = @action', 'action', q.action);
      add('at >= @since', 'since', q.since);
      add('at < @until', 'until', q.until);
      const sql = `SELECT ${COLS} FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT @limit`;
      return select<AuditRow>(db, sql).all(args);
    },
    iterate: () => iterStmt.iterate(),
  };
}
