import type { TableSpec } from './spec';

/**
 * Signal-over-noise state (R-NOISE-1..3): open notification groups, bursts
 * and flapping alerts, one row each, with the time its timer falls due. The
 * rows are written in the router's processing transaction, so a restart
 * neither loses a pending batch nor sends it twice.
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
];
