import type { Database } from 'better-sqlite3';
import { fromJson, select, type JsonText } from './sql';
import { TxScope } from './tx-scope';
import { noiseMembers } from './noise-members';

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
  /** Every member, by owner key (its rows replayed: store/noise-members.ts). */
  members(): Array<{ owner: string; fp: string; body: unknown }>;
  /** Inside a transaction a group or burst head is written once, at commit, with the latest row put for it (flap rows at once). */
  put(row: NoiseRow): void;
  /**
   * A group's or burst's head (`row().key` must be `key`), made and written once just before COMMIT from the latest
   * `row` given for `key` (outside a transaction: at once). A storm changes a group's head with every alert joining
   * it: its body is then copied and stringified once a transaction, not once an alert.
   */
  later(key: string, row: () => NoiseRow): void;
  /** Inside a transaction a member's change is written at commit, with the owner's other changes: one row. */
  putMember(owner: string, fp: string, body: unknown): void;
  deleteMember(owner: string, fp: string): void;
  /** Delete a row and its members. */
  delete(key: string): void;
}

/**
 * A group's or burst's head row changes with every alert that joins it: inside a transaction it is written
 * once, at commit, with its latest body (the members, one row each, are written as they change).
 */
export function sqliteNoiseStore(db: Database, scope = new TxScope()): NoiseStore {
  const all = select<{ key: string; kind: NoiseKind; body: JsonText<unknown>; due_at: number | null }>(
    db,
    `SELECT key, kind, body, due_at FROM noise_state`,
  );
  const members = noiseMembers(db, scope);
  const put = db.prepare(`INSERT OR REPLACE INTO noise_state (key, kind, body, due_at) VALUES (?, ?, ?, ?)`);
  const del = db.prepare(`DELETE FROM noise_state WHERE key = ?`);
  return {
    all: () =>
      (scope.flush(), all.all()).map((r) => ({
        key: r.key,
        kind: r.kind,
        body: fromJson(r.body),
        dueAt: r.due_at,
      })),
    members: () => members.all(),
    put(r) {
      const write = () => void put.run(r.key, r.kind, JSON.stringify(r.body), r.dueAt);
      if (r.kind === 'flap') return write();
      scope.defer(r.key, write);
    },
    later(key, row) {
      scope.defer(key, () => {
        const r = row();
        put.run(r.key, r.kind, JSON.stringify(r.body), r.dueAt);
      });
    },
    putMember: members.put,
    deleteMember: members.remove,
    delete(key) {
      scope.cancel(key);
      del.run(key);
      members.drop(key);
    },
  };
}
