import * as sqliteVec from 'sqlite-vec';
import type { Database } from './db';
import { counter, fromJson, select, type JsonText } from './sql';

export const INSIGHT_KINDS = ['incident', 'resolution', 'knowledge', 'note'] as const;
export type InsightKind = (typeof INSIGHT_KINDS)[number];
export const QUEUE_STATES = ['pending', 'processing', 'done', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface InsightInput {
  kind: InsightKind;
  source: string;
  title: string;
  body?: string;
  tags?: string[];
  flags?: string[];
  /** What the insight is about (an event id, a heal proposal id …). */
  ref?: string | null;
}

export interface Insight {
  id: number;
  kind: InsightKind;
  source: string;
  title: string;
  body: string;
  tags: string[];
  flags: string[];
  ref: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface QueueItem {
  insightId: number;
  title: string;
  state: QueueState;
  attempts: number;
  lastError: string | null;
  updatedAt: number;
}

export interface Ranked {
  id: number;
  /** Keyword: bm25 (lower is better). Vector: cosine distance (lower is better). */
  score: number;
}

/** SQL for OpenClaw. A PostgreSQL store (pgvector + tsvector) would implement the same interface. */
export interface MemoryRepository {
  /** Insert an insight and enqueue its embedding in the same transaction (R-MEMORY-1). */
  add(input: InsightInput, now: number): Insight;
  get(id: number): Insight | null;
  findByRef(ref: string, kind: InsightKind): Insight | null;
  update(id: number, patch: Partial<Pick<Insight, 'title' | 'body' | 'tags' | 'flags'>>, now: number): Insight;
  listFlagged(flag: string | null, limit: number): Insight[];

  /** (Re)queue an insight for embedding: pending, attempts 0. */
  enqueue(id: number, now: number): void;
  /** processing items untouched since `before` go back to pending (their worker died). */
  resetStale(before: number, now: number): number;
  /** Queue every insight that has no vector for `model` and no live queue item. */
  backfill(model: string, now: number): number;
  /** pending → processing for up to `limit` items, attempts + 1. */
  claim(limit: number, now: number): Insight[];
  /** Store the vector and mark the item done. */
  complete(id: number, model: string, vector: Float32Array, now: number): void;
  /** Record a failure: back to pending, or failed once attempts reach maxAttempts. */
  fail(id: number, error: string, maxAttempts: number, now: number): QueueState;
  queueCounts(): Record<QueueState, number>;
  /** Counts of the states still in play (not done): an index seek, cheap enough for every status snapshot. */
  liveQueueCounts(): Record<Exclude<QueueState, 'done'>, number>;
  /** processing items older than `before`. */
  staleCount(before: number): number;
  queueItems(states: QueueState[], limit: number): QueueItem[];
  dropVectors(id: number): void;

  keyword(query: string, limit: number): Ranked[];
  nearest(model: string, vector: Float32Array, limit: number): Ranked[];
  vectorCount(model: string): number;
}

interface InsightRow {
  id: number;
  kind: InsightKind;
  source: string;
  title: string;
  body: string;
  tags: JsonText<string[]>;
  flags: JsonText<string[]>;
  ref: string | null;
  created_at: number;
  updated_at: number;
}

const toInsight = (r: InsightRow): Insight => ({
  id: r.id,
  kind: r.kind,
  source: r.source,
  title: r.title,
  body: r.body,
  tags: fromJson(r.tags),
  flags: fromJson(r.flags),
  ref: r.ref,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const blob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** FTS5 MATCH text from free text: each word quoted (no query syntax from users), any word may match. */
export function ftsQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [];
  const unique = [...new Set(words)].slice(0, 32);
  return unique.length ? unique.map((w) => `"${w}"`).join(' OR ') : null;
}

/** Load sqlite-vec (vec_distance_cosine). In a packaged Electron app the library sits in app.asar.unpacked. */
export function loadSqliteVec(db: Database): void {
  db.loadExtension(sqliteVec.getLoadablePath().replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'));
}

export function sqliteMemoryRepository(db: Database): MemoryRepository {
  loadSqliteVec(db);
  const s = {
    insert: db.prepare(
      'INSERT INTO insights (kind, source, title, body, tags, flags, ref, created_at, updated_at) VALUES (@kind, @source, @title, @body, @tags, @flags, @ref, @now, @now)',
    ),
    get: select<InsightRow>(db, 'SELECT * FROM insights WHERE id = ?'),
    byRef: select<InsightRow>(db, 'SELECT * FROM insights WHERE ref = ? AND kind = ? ORDER BY id DESC LIMIT 1'),
    enqueue: db.prepare(
      `INSERT INTO embedding_queue (insight_id, state, attempts, last_error, created_at, updated_at) VALUES (?, 'pending', 0, NULL, ?, ?)
       ON CONFLICT(insight_id) DO UPDATE SET state = 'pending', attempts = 0, last_error = NULL, updated_at = excluded.updated_at`,
    ),
    anyStale: db.prepare(`SELECT 1 FROM embedding_queue WHERE state = 'processing' AND updated_at < ? LIMIT 1`),
    resetStale: db.prepare(`UPDATE embedding_queue SET state = 'pending', updated_at = ? WHERE state = 'processing' AND updated_at < ?`),
    backfill: db.prepare(
      `INSERT INTO embedding_queue (insight_id, state, attempts, created_at, updated_at)
       SELECT i.id, 'pending', 0, @now, @now FROM insights i
       LEFT JOIN embedding_queue q ON q.insight_id = i.id
       WHERE NOT EXISTS (SELECT 1 FROM insight_vectors v WHERE v.insight_id = i.id AND v.model = @model)
         AND (q.insight_id IS NULL OR q.state = 'done')
       ON CONFLICT(insight_id) DO UPDATE SET state = 'pending', attempts = 0, last_error = NULL, updated_at = excluded.updated_at`,
    ),
    pickPending: select<{ id: number }>(
      db,
      `SELECT insight_id AS id FROM embedding_queue WHERE state = 'pending' ORDER BY updated_at, insight_id LIMIT ?`,
    ),
    markProcessing: db.prepare(
      `UPDATE embedding_queue SET state = 'processing', attempts = attempts + 1, updated_at = ? WHERE insight_id = ?`,
    ),
    putVector: db.prepare(
      `INSERT INTO insight_vectors (insight_id, model, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(insight_id, model) DO UPDATE SET dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at`,
    ),
    markDone: db.prepare(`UPDATE embedding_queue SET state = 'done', last_error = NULL, updated_at = ? WHERE insight_id = ?`),
    attempts: select<{ attempts: number }>(db, 'SELECT attempts FROM embedding_queue WHERE insight_id = ?'),
    markFailed: db.prepare('UPDATE embedding_queue SET state = ?, last_error = ?, updated_at = ? WHERE insight_id = ?'),
    counts: select<{ state: QueueState; n: number }>(db, 'SELECT state, COUNT(*) AS n FROM embedding_queue GROUP BY state'),
    liveCounts: select<{ state: 'pending' | 'processing' | 'failed'; n: number }>(
      db,
      `SELECT state, COUNT(*) AS n FROM embedding_queue WHERE state IN ('pending', 'processing', 'failed') GROUP BY state`,
    ),
    stale: counter(db, `SELECT COUNT(*) AS n FROM embedding_queue WHERE state = 'processing' AND updated_at < ?`),
    dropVectors: db.prepare('DELETE FROM insight_vectors WHERE insight_id = ?'),
    keyword: select<Ranked>(
      db,
      'SELECT rowid AS id, bm25(insights_fts) AS score FROM insights_fts WHERE insights_fts MATCH ? ORDER BY score LIMIT ?',
    ),
    nearest: select<Ranked>(
      db,
      'SELECT insight_id AS id, vec_distance_cosine(vector, ?) AS score FROM insight_vectors WHERE model = ? AND dim = ? ORDER BY score LIMIT ?',
    ),
    vectorCount: counter(db, 'SELECT COUNT(*) AS n FROM insight_vectors WHERE model = ?'),
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate(); // IMMEDIATE: see Stores.transaction
  const get = (id: number): Insight | null => {
    const r = s.get.get(id);
    return r ? toInsight(r) : null;
  };
  return {
    add(input, now) {
      return tx(() => {
        const { lastInsertRowid } = s.insert.run({
          kind: input.kind,
          source: input.source,
          title: input.title,
          body: input.body ?? '',
          tags: JSON.stringify(input.tags ?? []),
          flags: JSON.stringify(input.flags ?? []),
          ref: input.ref ?? null,
          now,
        });
        const id = Number(lastInsertRowid);
        s.enqueue.run(id, now, now);
        return get(id) as Insight;
      });
    },
    get,
    findByRef(ref, kind) {
      const r = s.byRef.get(ref, kind);
      return r ? toInsight(r) : null;
    },
    update(id, patch, now) {
      return tx(() => {
        const cur = get(id);
        if (!cur) throw new Error(`insight ${id} does not exist`);
        const next = { ...cur, ...patch };
        db.prepare('UPDATE insights SET title = ?, body = ?, tags = ?, flags = ?, updated_at = ? WHERE id = ?').run(
          next.title,
          next.body,
          JSON.stringify(next.tags),
          JSON.stringify(next.flags),
          now,
          id,
        );
        // New text means a new embedding; a flag change alone does not.
        if (patch.title !== undefined || patch.body !== undefined || patch.tags !== undefined) s.enqueue.run(id, now, now);
        return get(id) as Insight;
      });
    },
    listFlagged(flag, limit) {
      const rows = flag
        ? select<InsightRow>(
            db,
            `SELECT i.* FROM insights i WHERE EXISTS (SELECT 1 FROM json_each(i.flags) f WHERE f.value = ?) ORDER BY i.updated_at DESC LIMIT ?`,
          ).all(flag, limit)
        : select<InsightRow>(db, `SELECT * FROM insights WHERE flags != '[]' ORDER BY updated_at DESC LIMIT ?`).all(limit);
      return rows.map(toInsight);
    },
    enqueue: (id, now) => void s.enqueue.run(id, now, now),
    // Every embedding pass (5 s, main thread): the UPDATE takes the write lock (waiting for the decider thread's
    // transaction) even when it changes nothing, so it runs only when a read finds a stale item.
    resetStale: (before, now) => (s.anyStale.get(before) ? s.resetStale.run(now, before).changes : 0),
    backfill: (model, now) => s.backfill.run({ model, now }).changes,
    claim(limit, now) {
      return tx(() => {
        const ids = s.pickPending.all(limit).map((r) => r.id);
        for (const id of ids) s.markProcessing.run(now, id);
        return ids.map(get).filter((i): i is Insight => i !== null);
      });
    },
    complete(id, model, vector, now) {
      tx(() => {
        s.putVector.run(id, model, vector.length, blob(vector), now);
        s.markDone.run(now, id);
      });
    },
    fail(id, error, maxAttempts, now) {
      const row = s.attempts.get(id);
      const state: QueueState = (row?.attempts ?? 0) >= maxAttempts ? 'failed' : 'pending';
      s.markFailed.run(state, error.slice(0, 500), now, id);
      return state;
    },
    queueCounts() {
      const counts: Record<QueueState, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
      for (const r of s.counts.all()) counts[r.state] = r.n;
      return counts;
    },
    liveQueueCounts() {
      const counts = { pending: 0, processing: 0, failed: 0 };
      for (const r of s.liveCounts.all()) counts[r.state] = r.n;
      return counts;
    },
    staleCount: (before) => s.stale(before),
    queueItems(states, limit) {
      return select<QueueItem>(
        db,
        `SELECT q.insight_id AS insightId, i.title, q.state, q.attempts, q.last_error AS lastError, q.updated_at AS updatedAt
           FROM embedding_queue q JOIN insights i ON i.id = q.insight_id
           WHERE q.state IN (${states.map(() => '?').join(',')}) ORDER BY q.updated_at DESC LIMIT ?`,
      ).all(...states, limit);
    },
    dropVectors: (id) => void s.dropVectors.run(id),
    keyword(query, limit) {
      const q = ftsQuery(query);
      return q ? s.keyword.all(q, limit) : [];
    },
    nearest: (model, vector, limit) => s.nearest.all(blob(vector), model, vector.length, limit),
    vectorCount: (model) => s.vectorCount(model),
  };
}
