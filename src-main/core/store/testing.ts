import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';

// Query-cost checks on SQLite's own query plans (R-SEC-4, R-SCALE-1): a test records the statements a piece of
// work runs and asserts none walks a table that grows with history, independent of the machine's speed.

/** Partial indexes that hold only live work (rows leave them when processed), so walking them is bounded. */
const LIVE_ONLY_INDEXES = ['events_inbox'];
/** Tables bounded by configuration or by live work, not by history. */
const BOUNDED_TABLES = [
  'intake_batches',
  'heal_settings',
  'telegram_offsets',
  'sqlite_sequence',
  'alert_firing',
  'alert_acks_version',
  'token_owners_version',
];

export interface Ran {
  sql: string;
  args: unknown[];
}

/** Record every statement better-sqlite3 steps while `fn` runs (Statement.prototype is shared by all connections). */
export async function recordStatements(fn: () => unknown): Promise<Ran[]> {
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, unknown>;
  const ran: Ran[] = [];
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const m of ['get', 'all', 'iterate', 'run']) {
    const o = proto[m] as (...a: unknown[]) => unknown;
    originals.set(m, o);
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      ran.push({ sql: this.source, args });
      return o.apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    for (const [m, o] of originals) proto[m] = o;
  }
  return ran;
}

/** The query plan's steps, one line each. */
export const planOf = (db: Database.Database, ran: Ran): string[] =>
  (db.prepare(`EXPLAIN QUERY PLAN ${ran.sql}`).all(...(ran.args as [])) as Array<{ detail: string }>).map((p) => p.detail);

/** Plan steps that walk something growing with history. */
export function unboundedSteps(db: Database.Database, ran: Ran, bounded: string[] = []): string[] {
  return planOf(db, ran).filter((d) => {
    const m = /^(SCAN|SEARCH) (\w+)/.exec(d);
    if (!m || d.includes('CONSTANT ROW') || d.includes('VIRTUAL TABLE')) return false;
    if (BOUNDED_TABLES.includes(m[2]!) || bounded.includes(m[2]!)) return false;
    // SQLite answers a bare `SELECT max(col) FROM t` from one end of an index (its min/max optimisation).
    if (new RegExp(`\\b(max|min)\\(\\w+\\) FROM ${m[2]}\\s*\\)`, 'i').test(ran.sql)) return false;
    if (LIVE_ONLY_INDEXES.some((i) => d.includes(`INDEX ${i}`))) return false;
    // A SEARCH with a constraint in parentheses seeks; a SEARCH without one (min/max walking an index) or a SCAN walks.
    return m[1] === 'SCAN' || !/\(.+\)/.test(d);
  });
}

/** "plan step  ←  statement" lines for the statements of `ran` that walk history, for a readable failure. */
export function offenders(dbFile: string, ran: Ran[], extra: (plan: string[]) => string[] = () => [], bounded: string[] = []): string[] {
  const db = new Database(dbFile, { readonly: true });
  // The inbox's statements run on inbox.db beside it (store/inbox.ts): planned there, its tables found by name.
  const inbox = join(dirname(dbFile), 'inbox.db');
  if (existsSync(inbox)) db.prepare(`ATTACH DATABASE ? AS inbox_file`).run(inbox);
  try {
    return ran.flatMap((r) =>
      unboundedSteps(db, r, bounded)
        .concat(extra(planOf(db, r)))
        .map((d) => `${d}  ←  ${r.sql.replace(/\s+/g, ' ').slice(0, 120)}`),
    );
  } finally {
    db.close();
  }
}

/**
 * Another connection on a worker thread (outside any write gate, as a descheduled decider looks from here) that takes
 * the write lock with `write` and sleeps holding it for `ms`. `holding` resolves once it has the lock.
 */
export async function holdWriteLock(file: string, ms: number, write: string): Promise<{ released: Promise<void> }> {
  const holder = new Worker(
    `const Database = require('better-sqlite3');
const { workerData, parentPort } = require('node:worker_threads');
const db = new Database(workerData.file);
db.exec('BEGIN IMMEDIATE');
db.exec(workerData.write);
parentPort.postMessage('holding');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
db.exec('COMMIT');
db.close();
parentPort.postMessage('released');`,
    { eval: true, workerData: { file, ms, write } },
  );
  const said = (what: string) =>
    new Promise<void>((ok, fail) => (holder.on('message', (m) => m === what && ok()), holder.on('error', fail)));
  const released = said('released');
  await said('holding');
  return { released };
}
