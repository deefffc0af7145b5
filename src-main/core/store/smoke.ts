import type { Database, Statement } from 'better-sqlite3';
import type { SmokeCheckId, SmokeCheckResult, SmokeHistoryRow, SmokeTrendPoint } from '../../../src-shared/api/smoke';
import type { SmokeStatus } from '../../../src-shared/constants';
import { counter, select } from './sql';

export const HOUR_MS = 3_600_000;
const STATUS_NAMES: readonly SmokeStatus[] = ['ok', 'warning', 'critical'];
const STATUS_CODE: Record<SmokeStatus, number> = { ok: 0, warning: 1, critical: 2 };
/** Reasons are one line; anything longer is cut so a row stays compact (R-SMOKE-2). */
export const MAX_REASON = 160;

export interface SmokeRowInput extends SmokeCheckResult {
  at: number;
}

/** Export cursor: rows strictly after (at, id) in time order. */
export interface SmokeCursor {
  at: number;
  id: number;
}

export interface PerCheckCounts {
  check: SmokeCheckId;
  ok: number;
  warning: number;
  critical: number;
}

/**
 * One export chunk as NDJSON (one line per row) and where the next chunk starts. The reads worker sends it as
 * UTF-8 bytes, encoded there: encoding 1M rows' text was ~0.3 s of the export's ~2 s on the thread serving /health.
 */
export interface SmokeNdjsonChunk {
  /** UTF-8 bytes only when moved from the reads thread: they are then whoever writes them's to free (R-SCALE-42). */
  text: string | Uint8Array;
  rows: number;
  last: SmokeCursor | null;
}

/**
 * The export's line format, applied where the rows are read: on the reads worker the text is built there
 * and crosses to the main thread as one string, instead of 2,000 row objects cloned and stringified on
 * the thread that answers /health (issue 17.1).
 */
export function smokeNdjsonChunk(store: Pick<SmokeHistoryStore, 'chunk'>, q: Parameters<SmokeHistoryStore['chunk']>[0]): SmokeNdjsonChunk {
  const rows = store.chunk(q);
  let text = '';
  for (const r of rows)
    text +=
      JSON.stringify({ time: new Date(r.at).toISOString(), check: r.check, status: r.status, value: r.value, reason: r.reason }) + '\n';
  const last = rows[rows.length - 1];
  return { text, rows: rows.length, last: last ? { at: last.at, id: last.id } : null };
}

/** Smoke history and its hourly rollup. SQLite today; a PostgreSQL store would implement the same interface. */
export interface SmokeHistoryStore {
  /** Append rows and update the rollup in the same transaction. */
  insert(rows: readonly SmokeRowInput[]): void;
  latestRun(): { at: number; results: SmokeCheckResult[] } | null;
  /** Newest first, keyset paging by id. */
  page(opts: { before?: number; limit: number; check?: SmokeCheckId; status?: SmokeStatus }): SmokeHistoryRow[];
  /** Status counts per bucket from the rollup. bucketMs is a whole number of hours; offsetMs shifts bucket edges (local days). */
  trend(opts: { since: number; until: number; bucketMs: number; offsetMs?: number }): SmokeTrendPoint[];
  /** One export chunk in time order: rows in [since, until) after the cursor. */
  chunk(opts: { since: number; until: number; after: SmokeCursor | null; limit: number }): SmokeHistoryRow[];
  /** Per-check status counts in [since, until) from the raw rows. */
  countsByCheck(since: number, until: number): PerCheckCounts[];
  /** Every row in [since, until) ordered by check then time (for streaks); a lazy iterator — consume it before the next query. */
  iterateByCheck(since: number, until: number): IterableIterator<{ check: SmokeCheckId; at: number; status: SmokeStatus }>;
  /** Delete all history and rollup rows; returns the number of history rows deleted. */
  clear(): number;
  /** Delete rows older than `before` (rounded down to a whole hour so rollup and rows stay in step). */
  prune(before: number): number;
  count(): number;
}

interface RawRow {
  id: number;
  at: number;
  check_id: SmokeCheckId;
  status: number;
  value: number | null;
  reason: string;
}

const toRow = (r: RawRow): SmokeHistoryRow => ({
  id: r.id,
  at: r.at,
  check: r.check_id,
  status: STATUS_NAMES[r.status] ?? 'critical',
  value: r.value,
  reason: r.reason,
});

export function createSmokeHistoryStore(db: Database): SmokeHistoryStore {
  const insertRow = db.prepare('INSERT INTO smoke_history (at, check_id, status, value, reason) VALUES (?, ?, ?, ?, ?)');
  const bumpRollup = db.prepare(
    'INSERT INTO smoke_rollup (hour, check_id, status, n) VALUES (?, ?, ?, ?) ON CONFLICT (hour, status, check_id) DO UPDATE SET n = n + excluded.n',
  );
  const insertTx = db.transaction((rows: readonly SmokeRowInput[]) => {
    // Rows of one run share an hour: fold them before touching the rollup.
    const bumps = new Map<string, [number, string, number, number]>();
    for (const r of rows) {
      const status = STATUS_CODE[r.status];
      insertRow.run(r.at, r.check, status, r.value, r.reason.slice(0, MAX_REASON));
      const hour = Math.floor(r.at / HOUR_MS);
      const key = `${hour}|${r.check}|${status}`;
      const b = bumps.get(key);
      if (b) b[3]++;
      else bumps.set(key, [hour, r.check, status, 1]);
    }
    for (const b of bumps.values()) bumpRollup.run(...b);
  });

  const latest = select<RawRow>(db, 'SELECT * FROM smoke_history WHERE at = (SELECT MAX(at) FROM smoke_history) ORDER BY id');
  const pageStmts = new Map<string, Statement<unknown[], RawRow>>();
  // Streams in primary-key order (no temp B-tree); wider buckets are folded in JS from ≤ 3 rows per hour.
  const trendStmt = select<[hour: number, status: number, n: number]>(
    db,
    'SELECT hour, status, SUM(n) FROM smoke_rollup WHERE hour >= ? AND hour < ? GROUP BY hour, status',
  ).raw();
  const firstChunk = select<RawRow>(db, 'SELECT * FROM smoke_history WHERE at >= ? AND at < ? ORDER BY at, id LIMIT ?');
  const nextChunk = select<RawRow>(db, 'SELECT * FROM smoke_history WHERE (at, id) > (?, ?) AND at < ? ORDER BY at, id LIMIT ?');
  const counts = select<{ check_id: SmokeCheckId; ok: number; warning: number; critical: number }>(
    db,
    `SELECT check_id, SUM(status = 0) AS ok, SUM(status = 1) AS warning, SUM(status = 2) AS critical
       FROM smoke_history WHERE at >= ? AND at < ? GROUP BY check_id`,
  );
  const byCheck = select<{ check_id: SmokeCheckId; at: number; status: number }>(
    db,
    'SELECT check_id, at, status FROM smoke_history WHERE at >= ? AND at < ? ORDER BY check_id, at, id',
  );
  const pruneRows = db.prepare('DELETE FROM smoke_history WHERE at < ?');
  const pruneRollup = db.prepare('DELETE FROM smoke_rollup WHERE hour < ?');
  const clearTx = db.transaction(() => {
    const n = db.prepare('DELETE FROM smoke_history').run().changes;
    db.prepare('DELETE FROM smoke_rollup').run();
    return n;
  });

  return {
    insert: (rows) => void insertTx.immediate(rows), // IMMEDIATE: see Stores.transaction
    latestRun() {
      const rows = latest.all().map(toRow);
      if (rows.length === 0) return null;
      return { at: rows[0]!.at, results: rows.map(({ check, status, value, reason }) => ({ check, status, value, reason })) };
    },
    page({ before, limit, check, status }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const add = (clause: string, arg: string | number) => {
        where.push(clause);
        args.push(arg);
      };
      if (before !== undefined) add('id < ?', before);
      if (check) add('check_id = ?', check);
      if (status) add('status = ?', STATUS_CODE[status]);
      const sql = `SELECT * FROM smoke_history${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
      let stmt = pageStmts.get(sql);
      if (!stmt) pageStmts.set(sql, (stmt = select<RawRow>(db, sql)));
      return stmt.all(...args, limit).map(toRow);
    },
    trend({ since, until, bucketMs, offsetMs = 0 }) {
      const rows = trendStmt.all(Math.floor(since / HOUR_MS), Math.ceil(until / HOUR_MS));
      const points: SmokeTrendPoint[] = [];
      for (const [hour, status, n] of rows) {
        const t = Math.floor((hour * HOUR_MS + offsetMs) / bucketMs) * bucketMs - offsetMs;
        let p = points[points.length - 1];
        if (!p || p.t !== t) points.push((p = { t, ok: 0, warning: 0, critical: 0 }));
        p[STATUS_NAMES[status] ?? 'critical'] += n;
      }
      return points;
    },
    chunk({ since, until, after, limit }) {
      const rows = after ? nextChunk.all(after.at, after.id, until, limit) : firstChunk.all(since, until, limit);
      return rows.map(toRow);
    },
    countsByCheck(since, until) {
      return counts.all(since, until).map((r) => ({
        check: r.check_id,
        ok: r.ok,
        warning: r.warning,
        critical: r.critical,
      }));
    },
    *iterateByCheck(since, until) {
      for (const r of byCheck.iterate(since, until)) {
        yield { check: r.check_id, at: r.at, status: STATUS_NAMES[r.status] ?? 'critical' };
      }
    },
    clear: () => clearTx.immediate(),
    prune(before) {
      const hour = Math.floor(before / HOUR_MS);
      return db
        .transaction(() => {
          const n = pruneRows.run(hour * HOUR_MS).changes;
          pruneRollup.run(hour);
          return n;
        })
        .immediate();
    },
    count: counter(db, 'SELECT COUNT(*) AS n FROM smoke_history'),
  };
}
