import { memoryTables } from './memory.tables';
import { planTables } from './plans.tables';
import { outboxTables } from './outbox.tables';
import { smokeTables } from './smoke.tables';
import { auditTables } from './audit.tables';
import { healTables } from './heal.tables';
import { remoteTables } from './remote.tables';
import { noiseTables } from './noise.tables';
import type { TableSpec } from './spec';

/** Feature tables, one import per area (router, outbox, remote, heal, memory, smoke …). */
export const featureTables: TableSpec[] = [...memoryTables, ...planTables, ...outboxTables, ...smokeTables, ...auditTables, ...remoteTables, ...healTables, ...noiseTables];
