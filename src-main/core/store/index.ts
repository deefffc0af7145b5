// The store area as the rest of Vigil sees it: import it through this file only (lint-enforced).
export { sqliteAckStore, type Ack, type AckStore } from './acks';
export { sqliteAlertStateStore, type AlertState, type AlertStateStore } from './alert-state';
export { sqliteAlertReadStore, type AlertReadStore, type AlertRow } from './alerts';
export { sqliteAuditRepository, type AuditQuery, type AuditRepository, type AuditRow } from './audit';
export { sqliteChangeRepository, type ChangeRepository, type ChangeRow } from './changes';
export { openDatabase, type Database } from './db';
export { sqliteEscalationStore, type Escalation, type EscalationStore } from './escalations';
export {
  sqliteEventStore,
  type EventFilter,
  type EventOrigin,
  type EventRecord,
  type EventStore,
  type NewEvent,
  type ProcessedUpdate,
} from './events';
export { eventTables } from './events.tables';
export { EXPORT_SPECS, exportTableChunks, tableExists } from './export';
export { sqliteHealRepository, type ApprovalRow, type HealRepository, type HealLogRow } from './heal';
export { sqliteLoopRepository, type LoopRepository, type IncidentRow, type OutcomeRow, type RawRecord } from './loop';
export { sqliteHostRepository, type HostRepository } from './hosts';
export { QUEUE_STATES, sqliteMemoryRepository, type Insight, type MemoryRepository, type Ranked } from './memory';
export { sqliteNoiseStore, type NoiseStore } from './noise';
export { sqliteOutboxStore, type OutboxRow, type OutboxStore, type OutboxThread } from './outbox';
export { sqlitePeopleRepository, type PeopleRepository, type PersonRow, type SessionRow } from './people';
export {
  sqlitePlanRepository,
  type PlanRepository,
  type PlanRow,
  type PlanStatus,
  type StoredApproval,
  type StoredStep,
  type PlanEvidence,
} from './plans';
export { RETENTION_KINDS, retentionKinds, sqliteRetentionStore, type RetentionKind, type RetentionStore } from './retention';
export { sqliteSilenceStore, type SilenceRecord } from './silences';
export {
  HOUR_MS,
  MAX_REASON,
  createSmokeHistoryStore,
  smokeNdjsonChunk,
  type SmokeCursor,
  type SmokeHistoryStore,
  type SmokeNdjsonChunk,
  type SmokeRowInput,
} from './smoke';
export { smokeTables } from './smoke.tables';
export { sqliteTelegramOffsets, type TelegramOffsets } from './telegram';
export { sqliteStores, type Stores } from './stores';
export { type IntakeAppender, type RawAnswer, type RawIntake, type RawIntakeRun } from './intake-append';
export {
  inboxAppend,
  inboxEvents,
  inboxFile,
  inboxPruneStep,
  type InboxBody,
  type InboxBodyReader,
  type InboxRequest,
  type InboxStore,
} from './inbox';
export { DECIDER_WAL_LIMIT_BYTES, WAL_LIMIT_BYTES, autocheckpointPages } from './db';
export { isBusy, threadEnded, writeGate, type WriteGate } from './write-gate';
export { limitInlining } from './inline-budget';
export { INTAKE_NICE, lowerV8PlatformThreads, lowerThreadPriority, nameThread } from './thread-priority';
export { startWithYoung } from './young-start';
export { profileThread } from './thread-profile';
export { type OffThreadReads, type SmokeChunkQuery, type StatsRow } from './reads';
export {
  ANSWERED_LATER,
  failedReply,
  serveRequests,
  threadClient,
  transferred,
  workerScript,
  type ThreadReply,
  type ThreadRequest,
  type Transferred,
} from './threads';
