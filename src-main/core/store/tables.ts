import { eventTables } from './events.tables';
import { outboxTables } from './outbox.tables';
import { smokeTables } from './smoke.tables';
import { memoryTables } from './memory.tables';
import { planTables } from './plans.tables';
import { auditTables } from './audit.tables';
import { healTables } from './heal.tables';
import { remoteTables } from './remote.tables';
import { ackTables } from './acks.tables';
import { noiseTables } from './noise.tables';
import { changeTables } from './changes.tables';
import { peopleTables } from './people.tables';
import { loopTables } from './loop.tables';
import type { TableSpec } from './spec';

/** Feature tables, one import per area (router, outbox, remote, heal, memory, smoke …). */
export const featureTables: TableSpec[] = [
  ...memoryTables,
  ...planTables,
  ...eventTables,
  ...outboxTables,
  ...smokeTables,
  ...auditTables,
  ...remoteTables,
  ...healTables,
  ...noiseTables,
  ...ackTables,
  ...changeTables,
  ...peopleTables,
  ...loopTables,
];
