import type { TableSpec } from './spec';

/**
 * ElephantAlpha action plans (R-AGENT-4): one row per plan; steps and their
 * HITL approvals are JSON columns of the plan, so a plan is read and moved
 * on in one statement.
 */
export const planTables: TableSpec[] = [
  {
    name: 'plans',
    columns: {
      id: 'TEXT PRIMARY KEY',
      title: 'TEXT NOT NULL',
      source: 'TEXT NOT NULL',
      status: "TEXT NOT NULL CHECK (status IN ('pending','running','waiting','succeeded','failed','cancelled'))",
      steps: "TEXT NOT NULL DEFAULT '[]'",
      current: 'INTEGER NOT NULL DEFAULT 0',
      created_by: 'TEXT NOT NULL',
      approvals: "TEXT NOT NULL DEFAULT '[]'",
      event_id: 'TEXT',
      /** The change a change-review plan is about. */
      change_id: 'TEXT',
      /** What the proposer saw (diagnosis, recalled memory, suspected change), shown next to the approval. */
      evidence: "TEXT NOT NULL DEFAULT '[]'",
      error: 'TEXT',
      created_at: 'INTEGER NOT NULL',
      updated_at: 'INTEGER NOT NULL',
      finished_at: 'INTEGER',
    },
    indexes: { plans_status: 'ON plans(status, updated_at)', plans_created: 'ON plans(created_at)', plans_event: 'ON plans(event_id)' },
  },
  {
    // getUpdates offset per bot, so button presses are taken once across restarts.
    name: 'telegram_offsets',
    columns: { bot: 'TEXT PRIMARY KEY', next_update: 'INTEGER NOT NULL', updated_at: 'INTEGER NOT NULL' },
  },
];
