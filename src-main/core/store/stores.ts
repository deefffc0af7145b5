import { sqliteAckStore, type AckStore } from './acks';
import { sqliteAlertStateStore, type AlertStateStore } from './alert-state';
import { sqliteAuditRepository, type AuditRepository } from './audit';
import { sqliteChangeRepository, type ChangeRepository } from './changes';
import type { Database } from './db';
import { sqliteEscalationStore, type EscalationStore } from './escalations';
import { sqliteEventStore, type EventStore } from './events';
import { sqliteHealRepository, type HealRepository } from './heal';
import { sqliteHostRepository, type HostRepository } from './hosts';
import { sqliteMemoryRepository, type MemoryRepository } from './memory';
import { sqliteNoiseStore, type NoiseStore } from './noise';
import { sqliteOutboxStore, type OutboxStore } from './outbox';
import { sqlitePeopleRepository, type PeopleRepository } from './people';
import { sqlitePlanRepository, type PlanRepository } from './plans';
import { sqliteSilenceStore, type SilenceStore } from './silences';
import { createSmokeHistoryStore, type SmokeHistoryStore } from './smoke';
import { sqliteTelegramOffsets, type TelegramOffsets } from './telegram';

/**
 * Every repository of the core, built once by createCore and handed to the
 * areas (they never build one from a database handle). A PostgreSQL
 * implementation for a team server would be another `Stores`
 * (docs/architecture.md, decision record).
 */
export interface Stores {
  /**
   * Run `fn` as one transaction over all the stores: everything it writes
   * commits together or not at all. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T;
  events: EventStore;
  alertStates: AlertStateStore;
  silences: SilenceStore;
  noise: NoiseStore;
  outbox: OutboxStore;
  acks: AckStore;
  escalations: EscalationStore;
  audit: AuditRepository;
  hosts: HostRepository;
  heal: HealRepository;
  plans: PlanRepository;
  memory: MemoryRepository;
  smoke: SmokeHistoryStore;
  telegram: TelegramOffsets;
  changes: ChangeRepository;
  people: PeopleRepository;
}

/** The SQLite stores on one better-sqlite3 database (synchronous: a transaction is a plain function call). */
export function sqliteStores(db: Database): Stores {
  return {
    transaction: (fn) => db.transaction(fn)(),
    events: sqliteEventStore(db),
    alertStates: sqliteAlertStateStore(db),
    silences: sqliteSilenceStore(db),
    noise: sqliteNoiseStore(db),
    outbox: sqliteOutboxStore(db),
    acks: sqliteAckStore(db),
    escalations: sqliteEscalationStore(db),
    audit: sqliteAuditRepository(db),
    hosts: sqliteHostRepository(db),
    heal: sqliteHealRepository(db),
    plans: sqlitePlanRepository(db),
    memory: sqliteMemoryRepository(db),
    smoke: createSmokeHistoryStore(db),
    telegram: sqliteTelegramOffsets(db),
    changes: sqliteChangeRepository(db),
    people: sqlitePeopleRepository(db),
  };
}
