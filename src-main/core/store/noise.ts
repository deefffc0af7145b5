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
  all(): NoiseRow[];
  /** Every member row, by owner key. */
  members(): Array<{ owner: string; fp: string; body: unknown }>;
  put(row: NoiseRow): void;
  putMember(owner: string, fp: string, body: unknown): void;
  deleteMember(owner: string, fp: string): void;
  /** Delete a row and its members. */
  delete(key: string): void;
}

export function sqliteNoiseStore(db: Database): NoiseStore {
  const all = db.prepare(`SELECT key, kind, body, due_at FROM noise_state`);
  const members = db.prepare(`SELECT owner, fp, body FROM noise_member`);
  const put = db.prepare(`INSERT OR REPLACE INTO noise_state (key, kind, body, due_at) VALUES (?, ?, ?, ?)`);
  const putMember = db.prepare(`INSERT OR REPLACE INTO noise_member (owner, fp, body) VALUES (?, ?, ?)`);
  const delMember = db.prepare(`DELETE FROM noise_member WHERE owner = ? AND fp = ?`);
  const del = db.prepare(`DELETE FROM noise_state WHERE key = ?`);
  const delMembers = db.prepare(`DELETE FROM noise_member WHERE owner = ?`);
  return {
    all: () =>
      (all.all() as Array<{ key: string; kind: NoiseKind; body: string; due_at: number | null }>).map((r) => ({
        key: r.key,
        kind: r.kind,
        body: JSON.parse(r.body) as unknown,
        dueAt: r.due_at,
      })),
    members: () =>
      (members.all() as Array<{ owner: string; fp: string; body: string }>).map((r) => ({
        owner: r.owner,
        fp: r.fp,
        body: JSON.parse(r.body) as unknown,
      })),
    put: (r) => void put.run(r.key, r.kind, JSON.stringify(r.body), r.dueAt),
    putMember: (owner, fp, body) => void putMember.run(owner, fp, JSON.stringify(body)),
    deleteMember: (owner, fp) => void delMember.run(owner, fp),
    delete(key) {
      del.run(key);
      delMembers.run(key);
    },
  };
}
