import type { TableSpec } from './spec';

/**
 * Every table Vigil keeps. Feature areas append their specs here; the
 * database module creates and repairs them. SQL stays inside store/.
 */
export const foundationTables: TableSpec[] = [
  {
    name: 'meta',
    columns: { key: 'TEXT PRIMARY KEY', value: 'TEXT NOT NULL' },
  },
];

import { featureTables } from './tables';
export const allTables: TableSpec[] = [...foundationTables, ...featureTables];
