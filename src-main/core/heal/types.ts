import type { Audit } from '../audit';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import { type EventSink, wrapCommand, type SshPool } from '../remote';
import type { ApprovalRow, HealRepository, Stores } from '../store';
import type { Collection } from '../../../src-shared/api/topics';

/** Where a heal's knowledge entry goes (OpenClaw insights, wired in app.ts). */
export type KnowledgeWriter = (k: { title: string; body: string; tags: string[]; ref: string }) => void;

export interface Proposal {
  action: string;
  host: string;
  target: string;
  reason: string;
  proposedBy: string;
  source: 'router' | 'agent' | 'person';
  eventId?: string | null;
}

/** An approval as the console shows it: `command` is exactly what runs on the host if approved. */
export type ApprovalView = Omit<ApprovalRow, 'params'>;

export interface HealDeps {
  config: Config;
  repo: HealRepository;
  /** ctx.stores.transaction (immediate: a claim reads then writes, and another process may decide at once). */
  transaction: Stores['transaction'];
  audit: Audit;
  pool: SshPool;
  clock: Clock;
  metrics: Metrics;
  sink: EventSink;
  knowledge: KnowledgeWriter;
  hostExists(host: string): boolean;
  changed(...what: Collection[]): void;
  /** Other pending human approvals (ElephantAlpha HITL), so vigil_hitl_pending counts both kinds. */
  otherPending?: () => number;
  /** A write that failed after the fact (knowledge, audit): a `vigil` event and a log line (R-ROUTE-1). Never throws. */
  failure?: (what: string, err: unknown) => void;
}

export const approvalView = (r: ApprovalRow, timeoutMs: number): ApprovalView => ({
  id: r.id,
  action: r.action,
  host: r.host,
  target: r.target,
  command: wrapCommand(r.command, timeoutMs),
  paramHash: r.paramHash,
  status: r.status,
  proposedBy: r.proposedBy,
  source: r.source,
  reason: r.reason,
  eventId: r.eventId,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  decisionReason: r.decisionReason,
  outcome: r.outcome,
});
