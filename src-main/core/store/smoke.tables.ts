import type { TableSpec } from './spec';

/**
 * Smoke history (R-SMOKE-2): one compact row per check per run — time,
 * check, status (0 ok, 1 warning, 2 critical), value, short reason; nothing
 * else, so no detail or secret can leak into it. smoke_rollup counts
 * results per hour, check and status, kept in step with every write, so a
 * 30-day trend reads ~13k rollup rows instead of a million raw ones.
 */
export const smokeTables: TableSpec[] = [
  {
    name: 'smoke_history',
    columns: {
      id: 'INTEGER PRIMARY KEY',
      at: 'INTEGER NOT NULL',
      check_id: 'TEXT NOT NULL',
      status: 'INTEGER NOT NULL',
      value: 'REAL',
      reason: "TEXT NOT NULL DEFAULT ''",
    },
    indexes: { smoke_history_at: 'ON smoke_history(at)' },
  },
  {
    name: 'smoke_rollup',
    columns: {
      hour: 'INTEGER NOT NULL',
      status: 'INTEGER NOT NULL',
      check_id: 'TEXT NOT NULL',
      n: 'INTEGER NOT NULL DEFAULT 0',
    },
    // Key order (hour, status, …): the trend's GROUP BY hour, status streams in key order, no sort.
    constraints: ['PRIMARY KEY (hour, status, check_id)'],
    options: 'WITHOUT ROWID',
  },
];
