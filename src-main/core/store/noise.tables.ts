import type { TableSpec } from './spec';

/**
 * Signal-over-noise state (R-NOISE-1..3): open notification groups, bursts
 * and flapping alerts, one row each with the time its timer falls due, and
 * their members: one row per group or burst and transaction, with the members
 * that changed in it (store/noise-members.ts; a fleet-sized burst writes its
 * changes, not the whole burst). The rows are written in the router's
 * processing transaction, so a restart neither loses a pending batch nor
 * sends it twice.
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
    name: 'noise_members',
    // A rowid table: a row of ten members (~1.3 KB) outgrows what a WITHOUT ROWID (index) page keeps inline (~1 KB)
    // and took an overflow page each; here rows append at the table's end, and the index by owner holds a small key.
    columns: {
      seq: 'INTEGER PRIMARY KEY',
      owner: 'TEXT NOT NULL',
      /** JSON `[[fp, member] | [fp], …]`: the owner's changes in one transaction, replayed in seq order. */
      body: 'TEXT NOT NULL',
    },
    indexes: { noise_members_owner: 'ON noise_members(owner, seq)' },
  },
];
