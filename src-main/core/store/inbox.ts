import type { Database } from 'better-sqlite3';
import { join, dirname } from 'node:path';
import { migrate, openDatabase } from './db';
import type { TraceEntry } from '../../../src-shared/domain';
import type { NewEvent } from './events';
import type { TableSpec } from './spec';
import { fromJson, select, type JsonText } from './sql';

/**
 * The durable intake inbox (R-ROUTE-2) in a file of its own, `inbox.db` beside vigil.db: one row per intake
 * commit holding the accepted events (ids assigned) as one JSON text. The 202 waits only for that fsynced
 * commit, on inbox.db's own WAL and write lock, so an append never waits for a deciding transaction on
 * vigil.db (docs/architecture.md "Threads"). Seqs come from AUTOINCREMENT: never handed out twice.
 * An in-memory core keeps the table in its one database.
 */
export const inboxTables: TableSpec[] = [
  {
    name: 'inbox',
    columns: {
      seq: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      received_at: 'INTEGER NOT NULL',
      via: 'TEXT NOT NULL',
      n: 'INTEGER NOT NULL',
      events: 'TEXT NOT NULL',
    },
  },
];

export const inboxFile = (dbFile: string): string => join(dirname(dbFile), 'inbox.db');

/** Inbox rows deleted a statement (one commit) when decided rows leave inbox.db (`inboxPruneStep`). */
const PRUNE_ROWS = 64;

/** The append on one connection to the inbox (the intake thread's and the stores'): returns the batch's seq. */
export function inboxAppend(db: Database): (receivedAt: number, via: string, n: number, json: string) => number {
  const ins = db.prepare(`INSERT INTO inbox (received_at, via, n, events) VALUES (?, ?, ?, ?)`);
  return (at, via, n, json) => Number(ins.run(at, via, n, json).lastInsertRowid);
}

/**
 * One step of deleting decided rows on one connection to inbox.db: at most PRUNE_ROWS of the oldest rows through
 * `through` (a seq vigil.db records as `synced`, never beyond), one commit without an fsync (a deletion lost to a
 * power cut only leaves rows the cursor already skips). Returns true while rows through `through` are left.
 */
export function inboxPruneStep(db: Database): (through: number) => boolean {
  const first = select<{ seq: number | null }>(db, `SELECT min(seq) AS seq FROM inbox`);
  const del = db.prepare(`DELETE FROM inbox WHERE seq >= ? AND seq <= ?`);
  return (through) => {
    const from = first.get()?.seq ?? null;
    if (from === null || from > through) return false;
    const to = Math.min(through, from + PRUNE_ROWS - 1);
    db.pragma('synchronous = NORMAL');
    try {
      del.run(from, to);
    } finally {
      db.pragma('synchronous = FULL');
    }
    return to < through;
  };
}

/** One request's events as the compact inbox text stores them: their shared arrival time and trace once. */
export interface InboxRequest {
  receivedAt: number;
  trace: TraceEntry[];
  events: Array<Omit<NewEvent, 'receivedAt' | 'trace'>>;
}

/**
 * A request as the intake thread stores it (router/inbox-bodies.ts): its body as it came, and what its events are made
 * from again by `read` (the adapter of `kind`, arrival `at`, `via`, the ids it was answered with).
 */
export interface InboxBody {
  kind: string;
  at: number;
  via: string;
  ids: string[];
  body: unknown;
}
/** Makes a stored request's events from its body (router/inbox-bodies.ts `bodyEvents`: the store knows no adapter). */
export type InboxBodyReader = (b: InboxBody) => NewEvent[];

/**
 * A batch's events from its inbox text (the `events` column). Three forms are read: a JSON array of NewEvent
 * (in-process intake, and every row written before), the compact form, `{"requests": InboxRequest[]}`
 * (router/group-commit.ts `inboxText`: a request's events share their receivedAt and trace, stored once, so the text
 * is ~30% shorter and its stringify ~40% cheaper), and the intake thread's `{"bodies": InboxBody[]}`, each request's
 * body as it came (R-SCALE-40: no stringify at all), whose events `read` makes. Each event gets a trace of its own
 * (an array: what is appended to one is not in another) holding the request's parsed entries, which nothing changes:
 * a copy of each entry per event was a storm's garbage.
 */
export function inboxEvents(text: string, read?: InboxBodyReader): NewEvent[] {
  if (text.charCodeAt(0) !== 123 /* { */) return fromJson(text as JsonText<NewEvent[]>);
  const out: NewEvent[] = [];
  if (text.startsWith('{"bodies"')) {
    if (!read) throw new Error('this inbox row holds request bodies: read it with their reader (router/inbox-bodies.ts)');
    for (const b of (JSON.parse(text) as { bodies: InboxBody[] }).bodies) for (const e of read(b)) out.push(e);
    return out;
  }
  for (const r of (JSON.parse(text) as { requests: InboxRequest[] }).requests)
    for (const e of r.events) {
      // Completed in place (a fresh parse): the record is built by name once, by its reader (router/records.ts fresh).
      const ev = e as NewEvent;
      ev.receivedAt = r.receivedAt;
      ev.trace = r.trace.slice();
      out.push(ev);
    }
  return out;
}

export interface InboxBatch {
  seq: number;
  /** Events in the batch. */
  n: number;
}

export interface InboxStore {
  /** true when the inbox is a file of its own (inbox.db); false when it shares the database (in-memory cores). */
  separate: boolean;
  /** Durably append one accepted batch (ids assigned); returns its seq. */
  append(receivedAt: number, via: string, events: NewEvent[]): number;
  /** The same with the batch's `n` events already as inbox text (`inboxEvents` reads it), as the intake thread makes it. */
  appendText(receivedAt: number, via: string, n: number, json: string): number;
  /** The last decided seq, as committed in vigil.db: every batch up to it is decided, none after it. */
  decidedThrough(): number;
  /** The highest seq handed out so far (0 for none). */
  lastSeq(): number;
  /** Batches after `seq`, oldest first (seq and size only). */
  after(seq: number, limit: number): InboxBatch[];
  /** One batch's events, or null when it is gone (`read`: for the intake thread's rows, router/inbox-bodies.ts). */
  events(seq: number, read?: InboxBodyReader): NewEvent[] | null;
  /** Inside the deciding transaction on vigil.db: every batch through `seq` is decided. */
  decided(seq: number): void;
  /**
   * In a fsynced transaction of vigil.db (stores.transaction, not replayable): record that everything decided so
   * far is on the disk. Returns the seq through which inbox rows may now be deleted (`IntakeAppender.prune`).
   */
  markSynced(): number;
  /**
   * Delete inbox rows through `seq` (decided and synced) on this connection: inbox.db stays the size of the live
   * work. Only the intake's writer calls it (store/intake-append.ts): the intake thread, or this thread once that
   * one is closed or was never started. The niced decider thread never deletes (R-INBOX-3).
   */
  prune(seq: number): void;
  /** Acknowledged and not decided yet: events waiting and when the oldest waiting batch came in. */
  waiting(): { count: number; oldest: number | null };
  /** Legacy `intake_batches` rows of vigil.db (written before the inbox had a file of its own), oldest first. */
  legacy(afterSeq: number, limit: number): Array<{ seq: number; events: NewEvent[] }>;
  /** Delete a legacy row: call in the transaction that decided it (exactly once, all in vigil.db). */
  finishLegacy(seq: number): void;
  /** Drop the legacy table once it is empty. */
  dropLegacy(): void;
  close(): void;
}

/**
 * Opens inbox.db beside `dbFile` (0600 like vigil.db, WAL, synchronous = FULL: store/db.ts), or keeps the inbox in
 * `main` itself when `dbFile` is null. Raises the seq counter to at least vigil.db's decided seq, so a deleted or
 * older inbox.db never hands out a seq that vigil.db already counts as decided.
 */
export function openInbox(main: Database, dbFile: string | null): InboxStore {
  const db = dbFile ? openDatabase(inboxFile(dbFile), { tables: inboxTables, migrations: [] }).db : main;
  if (!dbFile) migrate(main, inboxTables, []);
  const store = sqliteInboxStore(main, db);
  floorSeq(db, store.decidedThrough());
  return store;
}

function floorSeq(db: Database, min: number): void {
  // Read first: only the first connection to open the file after vigil.db's cursor moved past it writes (the main
  // thread's), not the decider's and sender's at their start.
  const now = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'inbox'`).get() as { seq: number } | undefined;
  if ((now?.seq ?? 0) >= min) return;
  db.transaction(() => {
    const raised = db.prepare(`UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'inbox'`).run(min).changes;
    if (!raised && min > 0) db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('inbox', ?)`).run(min);
  }).immediate();
}

function sqliteInboxStore(main: Database, db: Database): InboxStore {
  const separate = db !== main;
  const appendText = inboxAppend(db);
  // AUTOINCREMENT's own record of the highest seq handed out (one row per such table): no walk of the inbox.
  const last = select<{ seq: number }>(db, `SELECT seq FROM sqlite_sequence WHERE name = 'inbox'`);
  const after = select<InboxBatch>(db, `SELECT seq, n FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?`);
  const one = select<{ events: string }>(db, `SELECT events FROM inbox WHERE seq = ?`);
  const del = db.prepare(`DELETE FROM inbox WHERE seq <= ?`);
  const pruneStep = separate ? inboxPruneStep(db) : null;
  // Both walk only the rows after the cursor (the primary key range): live work, never history.
  const count = select<{ count: number }>(db, `SELECT coalesce(sum(n), 0) AS count FROM inbox WHERE seq > ?`);
  const oldest = select<{ at: number }>(db, `SELECT received_at AS at FROM inbox WHERE seq > ? ORDER BY seq LIMIT 1`);
  const cursor = select<{ decided: number; synced: number }>(main, `SELECT decided, synced FROM inbox_cursor WHERE id = 1`);
  const setDecided = main.prepare(`UPDATE inbox_cursor SET decided = ? WHERE id = 1`);
  const setSynced = main.prepare(`UPDATE inbox_cursor SET synced = decided WHERE id = 1 RETURNING synced`);
  const hasLegacy = () => !!main.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intake_batches'`).get();

  const decidedThrough = () => cursor.get()?.decided ?? 0;
  return {
    separate,
    append: (at, via, evs) => appendText(at, via, evs.length, JSON.stringify(evs)),
    appendText,
    decidedThrough,
    lastSeq: () => last.get()?.seq ?? 0,
    after: (seq, limit) => after.all(seq, limit),
    events(seq, read) {
      const r = one.get(seq);
      return r ? inboxEvents(r.events, read) : null;
    },
    decided(seq) {
      setDecided.run(seq);
      // One database (in-memory cores): the rows can go in the deciding transaction itself.
      if (!separate) del.run(seq);
    },
    markSynced: () => (setSynced.get() as { synced: number }).synced,
    prune(seq) {
      // PRUNE_ROWS rows a statement, each its own commit: an append on another connection waits for one at most.
      while (pruneStep?.(seq));
    },
    waiting() {
      const from = decidedThrough();
      const first = oldest.get(from);
      return { count: first ? (count.get(from)?.count ?? 0) : 0, oldest: first?.at ?? null };
    },
    legacy(afterSeq, limit) {
      if (!hasLegacy()) return [];
      return select<{ seq: number; events: JsonText<NewEvent[]> }>(
        main,
        `SELECT seq, events FROM intake_batches WHERE seq > ? ORDER BY seq LIMIT ?`,
      )
        .all(afterSeq, limit)
        .map((r) => ({ seq: r.seq, events: fromJson(r.events) }));
    },
    finishLegacy(seq) {
      main.prepare(`DELETE FROM intake_batches WHERE seq = ?`).run(seq);
    },
    dropLegacy() {
      if (hasLegacy() && !main.prepare(`SELECT 1 FROM intake_batches LIMIT 1`).get()) main.exec(`DROP TABLE intake_batches`);
    },
    close() {
      if (separate && db.open) db.close();
    },
  };
}
