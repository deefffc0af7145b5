import type { TableSpec } from './spec';

/**
 * The closed loop (R-LOOP-2/3): what each verified heal did for the alert it
 * was for (recall counts these), and incidents — one per firing alert group —
 * with their members and the timeline entries that live nowhere else
 * (opening, resolution, verification, notes). Notifications, acks,
 * escalations, plans, heals and changes are read from their own tables.
 */
export const loopTables: TableSpec[] = [
  {
    name: 'heal_outcomes',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      at: 'INTEGER NOT NULL',
      alertname: 'TEXT NOT NULL',
      fingerprint: 'TEXT NOT NULL',
      host: 'TEXT NOT NULL',
      action: 'TEXT NOT NULL',
      target: 'TEXT NOT NULL',
      fixed: 'INTEGER NOT NULL',
      plan_id: 'TEXT NOT NULL',
      detail: "TEXT NOT NULL DEFAULT ''",
    },
    indexes: { heal_outcomes_alert: 'ON heal_outcomes(alertname, at)', heal_outcomes_plan: 'UNIQUE ON heal_outcomes(plan_id)' },
  },
  {
    name: 'alert_incidents',
    columns: {
      id: 'TEXT PRIMARY KEY',
      group_key: 'TEXT NOT NULL',
      title: 'TEXT NOT NULL',
      severity: 'TEXT NOT NULL',
      status: "TEXT NOT NULL CHECK (status IN ('open','resolved'))",
      labels: "TEXT NOT NULL DEFAULT '{}'",
      opened_at: 'INTEGER NOT NULL',
      resolved_at: 'INTEGER',
    },
    indexes: {
      // (group_key, status, opened_at): the incident stage's lookup seeks its group and reads the newest in index order.
      // The old (group_key, status) lost to (status, opened_at), which walked every open incident per event in a storm.
      alert_incidents_group: 'ON alert_incidents(group_key, status, opened_at)',
      alert_incidents_opened: 'ON alert_incidents(status, opened_at)',
    },
    extra: ['DROP INDEX IF EXISTS alert_incidents_open'],
  },
  {
    name: 'incident_members',
    columns: { incident_id: 'TEXT NOT NULL', fingerprint: 'TEXT NOT NULL', status: 'TEXT NOT NULL', joined_at: 'INTEGER NOT NULL' },
    // No index by fingerprint: its random inserts were a first delivery's largest WAL item (store/loop-members.ts).
    constraints: ['PRIMARY KEY (incident_id, fingerprint)'],
    options: 'WITHOUT ROWID',
  },
  {
    name: 'incident_entries',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      incident_id: 'TEXT NOT NULL',
      at: 'INTEGER NOT NULL',
      kind: 'TEXT NOT NULL',
      text: 'TEXT NOT NULL',
      actor: "TEXT NOT NULL DEFAULT 'vigil'",
      ref: 'TEXT',
    },
    indexes: { incident_entries_inc: 'ON incident_entries(incident_id, at)' },
  },
];
