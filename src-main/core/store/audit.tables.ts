import type { TableSpec } from './spec';

/**
 * The audit chain (R-HEAL-5): append-only. Each row carries the previous
 * row's hash; triggers refuse UPDATE and DELETE so the app itself cannot
 * rewrite history (a person with the file can, and `vigil audit verify`
 * then finds the first broken row).
 */
export const auditTables: TableSpec[] = [
  {
    name: 'audit_log',
    columns: {
      id: 'INTEGER PRIMARY KEY',
      at: 'INTEGER NOT NULL',
      actor: 'TEXT NOT NULL',
      action: 'TEXT NOT NULL',
      subject: "TEXT NOT NULL DEFAULT ''",
      detail: "TEXT NOT NULL DEFAULT '{}'",
      prev_hash: 'TEXT NOT NULL',
      hash: 'TEXT NOT NULL',
    },
    indexes: { audit_log_at: 'ON audit_log(at)', audit_log_action: 'ON audit_log(action)' },
    extra: [
      `CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      `CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
    ],
  },
];
