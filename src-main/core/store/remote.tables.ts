import type { TableSpec } from './spec';

/** Remote hosts: keys accepted in the console (pinned) and the last check of each host. */
export const remoteTables: TableSpec[] = [
  {
    name: 'host_keys',
    columns: {
      host: 'TEXT PRIMARY KEY',
      fingerprint: 'TEXT NOT NULL',
      accepted_by: 'TEXT NOT NULL',
      accepted_at: 'INTEGER NOT NULL',
    },
  },
  {
    name: 'host_status',
    columns: {
      host: 'TEXT PRIMARY KEY',
      status: "TEXT NOT NULL DEFAULT 'unknown'",
      detail: "TEXT NOT NULL DEFAULT ''",
      seen_fingerprint: 'TEXT',
      checked_at: 'INTEGER',
      inside_status: 'TEXT',
      inside_detail: 'TEXT',
      inside_at: 'INTEGER',
    },
  },
];
