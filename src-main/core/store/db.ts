import BetterSqlite3, { type Database } from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from '../private-fs';
import { migrations as defaultMigrations, type Migration } from './migrations';
import { allTables } from './schema';
import { createTableSql, type TableSpec } from './spec';

export type { Database };

export interface RepairReport {
  createdTables: string[];
  addedColumns: string[];
  createdIndexes: string[];
  appliedMigrations: number[];
}

/**
 * The page size of a database file Vigil creates (R-SCALE-46). SQLite writes each WAL frame (one page) with its own two
 * `pwrite`s and a checkpoint copies it back with a `pread` and a `pwrite`, and on this kind of machine a system call
 * costs more than the 4 KB it moves: a storm's first deliveries wrote 0.73 frames an alert at SQLite's default 4 KB
 * (0.18 of them the alert states' fingerprint key, one random leaf each), 0.27 at 16 KB, for ~1.5× the bytes.
 * A file that already holds pages keeps its size (changing it needs a VACUUM of the whole file).
 */
export const NEW_PAGE_SIZE = 16_384;
/** Bytes of WAL between autocheckpoints, whatever the page size: 10,000 frames of 4 KB (~41 MB with headers). */
const AUTOCHECKPOINT_BYTES = 10_000 * 4_096;

/** wal_autocheckpoint (in pages) for this connection's file: AUTOCHECKPOINT_BYTES of its pages. */
export function autocheckpointPages(db: Database): number {
  return Math.round(AUTOCHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number));
}

/** The size a WAL file is cut back to after a complete checkpoint (SQLite's journal_size_limit). */
export const WAL_LIMIT_BYTES = 4 * 1024 * 1024;
/**
 * The decider thread's journal_size_limit (R-SCALE-32): more than one autocheckpoint cycle (10,000 frames of 4,120
 * bytes, ~41 MB, plus a deciding transaction's frames). At 4 MB, each restart of the WAL in a storm (after the
 * decider's own autocheckpoint) cut the file back to 4 MB and the next ~36 MB of frames grew it again, each frame a
 * write into new file blocks that the filesystem allocates and zeroes (micro, 200,000 indexed rows in commits of
 * 2,000: system time 4.4-4.6 -> 3.3-3.7 µs a row). Within this size the decider writes over the WAL's own blocks.
 * Other connections keep WAL_LIMIT_BYTES: after a storm the first of their writes past a complete checkpoint cuts
 * the file back (store/reads.ts keepWalSmall).
 */
export const DECIDER_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Open the one database: WAL, synchronous=FULL (an acknowledged event must
 * survive power loss, not just a crash), foreign keys, busy timeout; then
 * migrate and repair the schema.
 */
export function openDatabase(
  file: string,
  opts: { tables?: TableSpec[]; migrations?: Migration[]; migrate?: boolean; walLimit?: number } = {},
): { db: Database; report: RepairReport } {
  if (file !== ':memory:') {
    // Alert text, labels and the audit are nobody else's business: 0700 dir, 0600 db/-wal/-shm.
    ensurePrivateDir(dirname(file));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (f === file || existsSync(f)) ensurePrivateFile(f);
  }
  const db = new BetterSqlite3(file);
  // Only an empty file takes a page size; in WAL mode SQLite ignores the pragma once the file has pages.
  if (file !== ':memory:' && db.pragma('page_count', { simple: true }) === 0) db.pragma(`page_size = ${NEW_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: a storm rewrites the same index pages over and
  // over, and a longer WAL copies each page back once instead of per 1,000 frames. Every commit is
  // still fsynced (synchronous = FULL); only the copy into the main file happens less often.
  db.pragma(`wal_autocheckpoint = ${autocheckpointPages(db)}`);
  // ...but a storm must not leave a laptop a 40 MB WAL for good: once a checkpoint has copied every frame back, the
  // next write restarts the WAL and cuts the file to this size (store/reads.ts checkpoints off the main thread); a
  // restart by the decider's connection does not (`walLimit`, DECIDER_WAL_LIMIT_BYTES).
  db.pragma(`journal_size_limit = ${opts.walLimit ?? WAL_LIMIT_BYTES}`);
  // `migrate: false`: another thread's connection to a file the main thread has already opened and migrated. The repair
  // writes (its idempotent INSERTs take the write lock every time) would make a thread's start fail with SQLITE_BUSY
  // when the lock stays busy for the timeout (a restarted decider thread under load, behind the senders' settles).
  if (opts.migrate === false) return { db, report: { createdTables: [], addedColumns: [], createdIndexes: [], appliedMigrations: [] } };
  const report = migrate(db, opts.tables ?? allTables, opts.migrations ?? defaultMigrations);
  return { db, report };
}

/** Apply pending numbered migrations, then make the live schema match the spec. Idempotent. */
export function migrate(db: Database, tables: TableSpec[], migrations: Migration[]): RepairReport {
  const report: RepairReport = { createdTables: [], addedColumns: [], createdIndexes: [], appliedMigrations: [] };
  const version = () => db.pragma('user_version', { simple: true }) as number;
  // Tables first, so migrations can rely on them; then migrations; then repair again.
  repairSchema(db, tables, report);
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= version()) continue;
    // Read again under the write lock: another process (a second `vigil` command) may have applied it meanwhile.
    const applied = db
      .transaction(() => {
        if (m.version <= version()) return false;
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
        return true;
      })
      .immediate();
    if (applied) report.appliedMigrations.push(m.version);
  }
  repairSchema(db, tables, report);
  return report;
}

const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

/**
 * The repair reads the schema and then writes (its idempotent INSERTs). Begun deferred, a commit by another process
 * between the two (`vigil serve` writing while `vigil export` opens the file) fails it at once with "database is
 * locked": SQLite cannot upgrade a stale read snapshot, and busy_timeout does not wait for that. It is then done again
 * IMMEDIATE, waiting for the lock. Not IMMEDIATE from the start: a repair with nothing to write takes no lock, so a
 * connection opened on a thread whose other connection holds the lock (the stores of a worker's second
 * connection) is not made to wait on itself.
 */
function repairSchema(db: Database, tables: TableSpec[], report: RepairReport): void {
  const before = Object.fromEntries(Object.entries(report).map(([k, v]) => [k, (v as unknown[]).length]));
  const repair = db.transaction(() => {
    for (const t of tables) {
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name=?`).get(t.name);
      if (!exists) {
        db.exec(createTableSql(t));
        report.createdTables.push(t.name);
      } else {
        const have = new Set((db.pragma(`table_info(${q(t.name)})`) as { name: string }[]).map((c) => c.name));
        for (const [n, def] of Object.entries(t.columns)) {
          if (have.has(n)) continue;
          const { sql, unique } = addableColumn(def);
          db.exec(`ALTER TABLE ${q(t.name)} ADD COLUMN ${q(n)} ${sql}`);
          if (unique) db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${t.name}_${n}_unique`)} ON ${q(t.name)}(${q(n)})`);
          report.addedColumns.push(`${t.name}.${n}`);
        }
      }
      for (const [idx, on] of Object.entries(t.indexes ?? {})) {
        const present = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='index' AND name=?`).get(idx);
        if (present) continue;
        const unique = on.startsWith('UNIQUE ');
        db.exec(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${q(idx)} ${unique ? on.slice(7) : on}`);
        report.createdIndexes.push(idx);
      }
      for (const sql of t.extra ?? []) db.exec(sql);
    }
  });
  try {
    repair();
  } catch (e) {
    if (!String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw e;
    for (const [k, n] of Object.entries(before)) (report[k as keyof RepairReport] as unknown[]).length = n; // rolled back
    repair.immediate();
  }
}

/**
 * SQLite's ADD COLUMN refuses NOT NULL without a default and UNIQUE. A
 * repaired column gets a neutral default (0 or '') for the rows that lost
 * it, and UNIQUE becomes a unique index.
 */
function addableColumn(def: string): { sql: string; unique: boolean } {
  const unique = /\bUNIQUE\b/i.test(def);
  let sql = def.replace(/\bUNIQUE\b/gi, '').trim();
  if (/\bNOT NULL\b/i.test(sql) && !/\bDEFAULT\b/i.test(sql)) {
    sql += /^(INTEGER|INT|REAL|NUMERIC)\b/i.test(sql) ? ' DEFAULT 0' : " DEFAULT ''";
  }
  return { sql, unique };
}
