import type { Database } from 'better-sqlite3';

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
];
