import { sqliteAckStore, type AckStore } from './acks';
import { sqliteAlertStateStore, type AlertStateStore } from './alert-state';
import { sqliteAlertReadStore, type AlertReadStore } from './alerts';
import { sqliteAuditRepository, type AuditRepository } from './audit';
import { sqliteChangeRepository, type ChangeRepository } from './changes';
import type { Database } from './db';
import { sqliteEscalationStore, type EscalationStore } from './escalations';
import { sqliteEventStore, type EventStore } from './events';
import { sqliteHealRepository, type HealRepository } from './heal';
import { sqliteHostRepository, type HostRepository } from './hosts';
import { sqliteLoopRepository, type LoopRepository } from './loop';
import { sqliteMemoryRepository, type MemoryRepository } from './memory';
import { sqliteNoiseStore, type NoiseStore } from './noise';
import { sqliteOutboxStore, type OutboxStore } from './outbox';
import { sqlitePeopleRepository, type PeopleRepository } from './people';
import { sqlitePlanRepository, type PlanRepository } from './plans';
import { inboxFile, openInbox, type InboxStore } from './inbox';
import { inlineIntake, offThreadIntake, type IntakeAppender } from './intake-append';
import { writeGate, type SoonOptions, type WriteGate } from './write-gate';
import { inlineReads, offThreadReads, type OffThreadReads } from './reads';
import { sqliteRetentionStore, type RetentionStore } from './retention';
import { sqliteSilenceStore, type SilenceStore } from './silences';
import { createSmokeHistoryStore, type SmokeHistoryStore } from './smoke';
import { sqliteTelegramOffsets, type TelegramOffsets } from './telegram';
import { TxScope } from './tx-scope';

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
   * The repositories have no transaction of their own: every caller uses this one.
   * Every transaction takes the write lock at BEGIN (IMMEDIATE): worker threads write
   * the same file on their own connections (retention, the decider), and in WAL a
   * deferred transaction that read first fails at its first write (SQLITE_BUSY_SNAPSHOT,
   * no busy wait) if another connection committed meanwhile. IMMEDIATE waits for the
   * other writer instead (busy_timeout). `immediate` is kept as an explicit name.
   * `replayable` commits without waiting for the disk (synchronous = NORMAL: WAL keeps it atomic, and a
   * kill -9 loses nothing, the OS has the pages). Only for work whose input is already durable and is
   * deleted in the same transaction — the router deciding an acknowledged intake batch — so a power cut
   * can only roll the whole transaction back and leave the input to be replayed. Inbox rows are deleted only
   * once a later fsynced commit of this file covers their decision (router: settleInbox). Also for the outbox's settles (notify/worker.ts): what they record
   * can only be lost to a power cut as a message sent again with its idempotency key (at least once).
   */
  transaction<T>(fn: () => T, mode?: 'immediate' | 'replayable'): T;
  /**
   * `transaction`, for callers that can wait: beside a decider thread, a wait for its write lock lets this thread's
   * event loop run (/health, the console) instead of holding it (store/write-gate.ts transactionSoon, R-SCALE-18).
   * The result itself when it committed at once; a promise of it only when it had to wait. `patient`: it never fails
   * for waiting (the outbox's settles: a settle that gave up after 5 s had its sent messages sent again).
   */
  transactionSoon<T>(fn: () => T, mode?: 'immediate' | 'replayable', opts?: SoonOptions): T | Promise<T>;
  /** false once the database is closed (shutdown, or a test simulating a crash): background loops end quietly. */
  isOpen(): boolean;
  events: EventStore;
  /** The durable intake inbox: inbox.db beside the database file (its own WAL and lock), or a table of an in-memory one. */
  inbox: InboxStore;
  alertStates: AlertStateStore;
  /** The alert model's read side (alert state + acks + escalations). */
  alerts: AlertReadStore;
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
  loop: LoopRepository;
  /** Retention's inline runner (in-memory database); with a data dir a worker thread builds its own on its own connection. */
  retention: RetentionStore;
  /** Trend queries and export chunks: on a worker thread with its own connection when the database is a file. */
  reads: OffThreadReads;
  /** The fsynced intake append behind an HTTP 202: on its own thread and connection to inbox.db when the database is a file. */
  intake: IntakeAppender;
  /** Fair turns at the write lock; another writing thread's stores share its `sab`. (The intake thread no longer writes this file.) */
  writeGate: WriteGate;
}

/** One transaction committed at synchronous = NORMAL (no fsync); nested in an outer transaction it just joins it. */
function unsynced<T>(db: Database, fn: () => T): T {
  if (db.inTransaction) return db.transaction(fn)();
  db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/**
 * The SQLite stores on one better-sqlite3 database (synchronous: a transaction is a plain function call). `file`: the
 * database's path (inbox.db goes beside it; null keeps the inbox in `db`); `threads`: heavy reads and the intake append
 * on worker threads of their own (not for the decider's core, which serves neither).
 */
export function sqliteStores(db: Database, file: string | null = null, gate: WriteGate = writeGate(), threads = file !== null): Stores {
  // Memos and deferred writes of the running transaction (repositories of the router's hot path use it).
  const scope = new TxScope();
  const begin =
    <T>(fn: () => T, mode?: 'immediate' | 'replayable') =>
    () =>
      scope.run(db, fn, mode === 'replayable' ? (body) => unsynced(db, body) : (body) => db.transaction(body).immediate());
  const stores: Omit<Stores, 'reads' | 'intake' | 'writeGate'> = {
    // Fair turns at the write lock with the other writing threads (store/write-gate.ts).
    transaction: (fn, mode) => gate.transaction(db, begin(fn, mode)),
    transactionSoon: (fn, mode, opts) => gate.transactionSoon(db, begin(fn, mode), opts),
    isOpen: () => db.open,
    events: sqliteEventStore(db, scope),
    inbox: openInbox(db, file),
    alertStates: sqliteAlertStateStore(db),
    alerts: sqliteAlertReadStore(db),
    silences: sqliteSilenceStore(db),
    noise: sqliteNoiseStore(db, scope),
    outbox: sqliteOutboxStore(db),
    acks: sqliteAckStore(db, scope),
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
    loop: sqliteLoopRepository(db, scope),
    retention: sqliteRetentionStore(db),
  };
  scope.onRollback(() => {
    stores.alertStates.invalidate();
    stores.loop.forgetMembers();
  });
  const inline = inlineReads(stores.events, stores.smoke, stores.loop);
  const intake = inlineIntake(stores.inbox);
  return {
    ...stores,
    reads: file && threads ? offThreadReads(file, inline) : inline,
    intake: file && threads ? offThreadIntake(inboxFile(file), intake) : intake,
    writeGate: gate,
  };
}
