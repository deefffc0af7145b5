import type { Database } from 'better-sqlite3';
import { eventTables } from '../events.tables';
import { createTableSql } from '../spec';

/**
 * Numbered migrations for changes a declarative repair cannot express
 * (renames, data moves). Append only; never edit a released one.
 * PRAGMA user_version holds the last applied number.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial',
    // The initial tables come from the declarative spec (repairSchema); nothing to move.
    up: () => {},
  },
  {
    version: 2,
    name: 'alert_state as a rowid table',
    // Same columns and rows; only the storage changes (see events.tables.ts). A database created after this
    // change already has it (repair creates tables from the spec before migrations run).
    up(db) {
      const t = eventTables.find((x) => x.name === 'alert_state')!;
      const have = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alert_state'`).get() as
        { sql: string } | undefined;
      if (!have || !/WITHOUT\s+ROWID/i.test(have.sql)) return;
      const cols = Object.keys(t.columns)
        .map((c) => `"${c}"`)
        .join(', ');
      db.exec(`DROP INDEX IF EXISTS alert_state_status`); // repair creates it again on the new table
      db.exec(`ALTER TABLE alert_state RENAME TO alert_state_clustered`);
      db.exec(createTableSql(t));
      db.exec(`INSERT INTO alert_state (${cols}) SELECT ${cols} FROM alert_state_clustered`);
      db.exec(`DROP TABLE alert_state_clustered`);
    },
  },
  {
    version: 3,
    name: 'alert_firing counts',
    // The triggers keep alert_firing from the moment repair created them; a database from before starts from a count.
    up(db) {
      const have = (name: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name);
      if (!have('alert_firing') || !have('alert_state')) return;
      db.exec(`DELETE FROM alert_firing`);
      db.exec(
        `INSERT INTO alert_firing (severity, n) SELECT severity, count(*) FROM alert_state WHERE status = 'firing' GROUP BY severity`,
      );
    },
  },
  {
    version: 4,
    name: 'no events index by fingerprint; events_received holds it',
    // Repair creates the spec's indexes but never drops one it no longer names, nor changes one it names: this drops
    // both, and the repair after the migrations makes events_received again as the spec says (events.tables.ts says why).
    up(db) {
      db.exec(`DROP INDEX IF EXISTS events_fingerprint`);
      const received = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_received'`).get() as
        { sql: string } | undefined;
      if (received && !/fingerprint/.test(received.sql)) db.exec(`DROP INDEX events_received`);
    },
  },
  {
    version: 5,
    name: 'no incident_members index by fingerprint',
    // Repair never drops an index the spec no longer names (loop.tables.ts, store/loop-members.ts say why).
    up(db) {
      db.exec(`DROP INDEX IF EXISTS incident_members_fp`);
    },
  },
  {
    version: 6,
    name: 'noise members: one row per group or burst and transaction',
    // The old rows (one per member, store/noise.tables.ts) become one row per owner, as a fold would leave it.
    up(db) {
      const old = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'noise_member'`).get();
      if (!old) return;
      db.exec(`INSERT INTO noise_members (owner, body)
        SELECT owner, json_group_array(json_array(fp, json(body))) FROM (SELECT * FROM noise_member ORDER BY owner, fp) GROUP BY owner`);
      db.exec(`DROP TABLE noise_member`);
    },
  },
];
