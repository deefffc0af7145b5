import type { TableSpec } from './spec';

/**
 * Changes (R-CHANGE-1): one row per deploy/config/flag/migration/manual
 * change; `ext_key` (source + the sender's delivery id) makes a webhook
 * redelivery a no-op. `hosts` is JSON; `change_hosts` indexes it for the
 * "what changed on this host before the alert" look-up.
 */
export const changeTables: TableSpec[] = [
  {
    name: 'changes',
    columns: {
      id: 'TEXT PRIMARY KEY',
      kind: 'TEXT NOT NULL',
      service: 'TEXT',
      hosts: "TEXT NOT NULL DEFAULT '[]'",
      version: 'TEXT',
      commit_sha: 'TEXT',
      author: 'TEXT',
      link: 'TEXT',
      at: 'INTEGER NOT NULL',
      summary: 'TEXT',
      diff: 'TEXT',
      source: 'TEXT NOT NULL',
      ext_key: 'TEXT',
      received_at: 'INTEGER NOT NULL',
      review: 'TEXT',
      plan_id: 'TEXT',
    },
    indexes: { changes_ext: 'UNIQUE ON changes(ext_key)', changes_service_at: 'ON changes(service, at)', changes_at: 'ON changes(at)' },
  },
  {
    name: 'change_hosts',
    columns: { change_id: 'TEXT NOT NULL', host: 'TEXT NOT NULL', at: 'INTEGER NOT NULL' },
    constraints: ['PRIMARY KEY (change_id, host)'],
    indexes: { change_hosts_host_at: 'ON change_hosts(host, at)' },
    options: 'WITHOUT ROWID',
  },
];
