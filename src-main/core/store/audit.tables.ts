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
      // Retention may remove rows only once they are in the NDJSON archive (audit_archived says up to which id);
      // the chain then continues from the archive, and `vigil audit verify` walks archive + live.
      `DROP TRIGGER IF EXISTS audit_log_no_delete`,
      `CREATE TRIGGER IF NOT EXISTS audit_log_delete_archived_only BEFORE DELETE ON audit_log
         WHEN old.id > (SELECT coalesce(max(upto), 0) FROM audit_archived)
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only archived rows may be removed'); END`,
    ],
  },
  {
    // Append-only marks: "rows up to id `upto` are in the archive file" (written only after the file is fsynced).
    name: 'audit_archived',
    columns: { upto: 'INTEGER NOT NULL', at: 'INTEGER NOT NULL' },
    extra: [
      `CREATE TRIGGER IF NOT EXISTS audit_archived_no_update BEFORE UPDATE ON audit_archived BEGIN SELECT RAISE(ABORT, 'append-only'); END`,
      `CREATE TRIGGER IF NOT EXISTS audit_archived_no_delete BEFORE DELETE ON audit_archived BEGIN SELECT RAISE(ABORT, 'append-only'); END`,
    ],
  },
];
