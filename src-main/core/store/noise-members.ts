import type { Database } from 'better-sqlite3';
import { select } from './sql';
import type { TxScope } from './tx-scope';

const GONE = Symbol('gone');

/** One change of a member: `[fp, body]` put, `[fp]` gone. */
type Change = [string, unknown?];

/** What this connection knows of an owner's rows: the changes they hold, and when to fold them. */
interface Known {
  changes: number;
  foldAt: number;
}
/** Rows are folded into one once they hold twice the live members and this many changes more (amortised O(1)). */
const SLACK = 32;

/**
 * The members of noise groups and bursts (R-NOISE-1..3), one row per owner and transaction: the members that
 * changed in it, in order (`noise_members`: seq, owner, body). A storm's group gets its ten members in one
 * transaction, so one row, one statement, instead of one row per alert (the row per member was a first delivery's
 * third-largest statement and 0.07 of its WAL pages). Read once, at start-up and after a rollback (`fold` replays
 * each owner's rows in seq order); an owner's rows are folded into one when their changes outgrow its members, so
 * a long-lived group's rows stay bounded.
 */
export function noiseMembers(db: Database, scope: TxScope) {
  const s = {
    all: select<{ owner: string; body: string }>(db, `SELECT owner, body FROM noise_members ORDER BY seq`),
    of: select<{ body: string }>(db, `SELECT body FROM noise_members WHERE owner = ? ORDER BY seq`),
    // seq is the rowid: the next is above every row there is, so an owner's rows replay in the order written.
    put: db.prepare(`INSERT INTO noise_members (owner, body) VALUES (?, ?)`),
    del: db.prepare(`DELETE FROM noise_members WHERE owner = ?`),
  };
  const known = new Map<string, Known>();
  /** Every owner's rows were read (all()): an owner not known has none. */
  let complete = false;

  /** Replay rows (seq order) into the live members; returns how many changes they held. */
  const replay = (rows: Iterable<{ body: string }>, into: Map<string, unknown>): number => {
    let n = 0;
    for (const r of rows)
      for (const c of JSON.parse(r.body) as Change[]) {
        n++;
        if (c.length === 1) into.delete(c[0]);
        else into.set(c[0], c[1]);
      }
    return n;
  };
  const knowing = (owner: string, changes: number, live: number): Known => {
    const k = { changes, foldAt: 2 * live + SLACK };
    known.set(owner, k);
    return k;
  };

  function write(owner: string, changes: Map<string, unknown>): void {
    // Not known: a new owner, or (before all() read every row) one to read once.
    const k = known.get(owner) ?? (complete ? knowing(owner, 0, 0) : fold(owner));
    if (k.changes + changes.size <= k.foldAt) {
      const body: Change[] = [];
      for (const [fp, m] of changes) body.push(m === GONE ? [fp] : [fp, m]);
      s.put.run(owner, JSON.stringify(body));
      k.changes += body.length;
      return;
    }
    const live = new Map<string, unknown>();
    replay(s.of.all(owner), live);
    for (const [fp, m] of changes) {
      if (m === GONE) live.delete(fp);
      else live.set(fp, m);
    }
    s.del.run(owner);
    if (live.size) s.put.run(owner, JSON.stringify([...live]));
    knowing(owner, live.size, live.size);
  }
  /** Read an owner's rows: what they hold. */
  function fold(owner: string): Known {
    const live = new Map<string, unknown>();
    const n = replay(s.of.all(owner), live);
    return knowing(owner, n, live.size);
  }

  /** The changes of this transaction, by owner (outside one: written at once). */
  function change(owner: string, fp: string, m: unknown): void {
    const pending = scope.memo<Map<string, unknown>>('noise-members');
    if (!pending) return write(owner, new Map([[fp, m]]));
    let p = pending.get(owner) as Map<string, unknown> | undefined;
    if (!p) {
      const mine = (p = new Map());
      pending.set(owner, mine);
      scope.defer(`+${owner}`, () => {
        pending.delete(owner); // a change after this (a read flushed early) defers a row of its own
        write(owner, mine);
      });
    }
    p.set(fp, m);
  }

  return {
    /** Every owner's live members, in the order they first joined (start-up, and after a rollback). */
    all(): Array<{ owner: string; fp: string; body: unknown }> {
      scope.flush();
      known.clear();
      complete = true;
      const rows = new Map<string, Array<{ body: string }>>();
      for (const r of s.all.iterate()) {
        const of = rows.get(r.owner);
        if (of) of.push(r);
        else rows.set(r.owner, [r]);
      }
      const out: Array<{ owner: string; fp: string; body: unknown }> = [];
      for (const [owner, of] of rows) {
        const live = new Map<string, unknown>();
        knowing(owner, replay(of, live), live.size);
        for (const [fp, body] of live) out.push({ owner, fp, body });
      }
      return out;
    },
    put: (owner: string, fp: string, body: unknown) => change(owner, fp, body),
    remove: (owner: string, fp: string) => change(owner, fp, GONE),
    /** The owner is gone: its rows and any change not yet written. */
    drop(owner: string): void {
      scope.cancel(`+${owner}`);
      scope.memo<Map<string, unknown>>('noise-members')?.delete(owner);
      s.del.run(owner);
      known.delete(owner);
    },
  };
}
