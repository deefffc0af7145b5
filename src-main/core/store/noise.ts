import type { Database } from 'better-sqlite3';

export type NoiseKind = 'group' | 'burst' | 'flap';

export interface NoiseRow<T = unknown> {
  key: string;
  kind: NoiseKind;
  body: T;
  /** When its timer falls due (flush, resolution, settle); null: no timer. */
  dueAt: number | null;
}

/** Repository for the grouping, burst and flap state. SQL stays here. */
export interface NoiseStore {
  transaction<T>(fn: () => T): T;
  all(): NoiseRow[];
  put(row: NoiseRow): void;
  delete(key: string): void;
}

export function sqliteNoiseStore(db: Database): NoiseStore {
  const all = db.prepare(`SELECT key, kind, body, due_at FROM noise_state`);
  const put = db.prepare(`INSERT OR REPLACE INTO noise_state (key, kind, body, due_at) VALUES (?, ?, ?, ?)`);
  const del = db.prepare(`DELETE FROM noise_state WHERE key = ?`);
  return {
    transaction: (fn) => db.transaction(fn)(),
    all: () =>
      (all.all() as Array<{ key: string; kind: NoiseKind; body: string; due_at: number | null }>).map((r) => ({ key: r.key, kind: r.kind, body: JSON.parse(r.body) as unknown, dueAt: r.due_at })),
    put: (r) => void put.run(r.key, r.kind, JSON.stringify(r.body), r.dueAt),
    delete: (key) => void del.run(key),
  };
}
