import type { TableSpec } from './spec';

/**
 * Signal-over-noise state (R-NOISE-1..3): open notification groups, bursts
 * and flapping alerts, one row each with the time its timer falls due, and
 * one row per member of a group or burst (so a fleet-sized burst writes one
 * small row per event, not the whole burst). The rows are written in the
 * router's processing transaction, so a restart neither loses a pending
 * batch nor sends it twice.
 */
export const noiseTables: TableSpec[] = [
  {
    name: 'noise_state',
    columns: {
      key: 'TEXT PRIMARY KEY',
      kind: 'TEXT NOT NULL',
      body: 'TEXT NOT NULL',
      due_at: 'INTEGER',
    },
    indexes: { noise_state_due: 'ON noise_state(due_at) WHERE due_at IS NOT NULL' },
    options: 'WITHOUT ROWID',
  },
  {
    name: 'noise_member',
    columns: {
      owner: 'TEXT NOT NULL',
      fp: 'TEXT NOT NULL',
      body: 'TEXT NOT NULL',
    },
    constraints: ['PRIMARY KEY (owner, fp)'],
    options: 'WITHOUT ROWID',
  },
];
